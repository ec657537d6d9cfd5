import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { INestApplication } from '@nestjs/common';
import { ERROR_CATALOGUE } from '@leasehold/errors';

// The property-based walk: every operation of an exported OpenAPI document
// (docs/openapi/*.json) is called on the running app with generated hostile requests — malformed
// or mistyped bodies, bad encodings, deep nesting, NUL bytes and lone surrogates, odd headers,
// queries and path values, with and without valid credentials — and every answer must be a
// success or a 4xx in the error envelope. Never a 5xx.
//
// Runs: LEASEHOLD_FUZZ_RUNS requests per operation (default 8, the `npm test` run),
// LEASEHOLD_FUZZ_SEED the seed (default fixed, so a run is reproducible). A larger run:
//   LEASEHOLD_FUZZ_RUNS=200 npx jest hostile-requests
// A failure names the operation, the request (fast-check's counterexample) and the answer.

export const FUZZ_RUNS = Number(process.env['LEASEHOLD_FUZZ_RUNS'] ?? 8);
export const FUZZ_SEED = Number(process.env['LEASEHOLD_FUZZ_SEED'] ?? 20261130);

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
        security?: Record<string, string[]>[];
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

export interface ApiOperation {
  method: string;
  path: string;
  /** `"METHOD /path/{param}"` */
  key: string;
  params: string[];
  query: Parameter[];
  headers: Parameter[];
  body?: Schema;
  /** The security scheme the route takes, or null for a public route. */
  scheme: string | null;
}

/** Every operation of an exported OpenAPI document (e.g. `docs/openapi/portal.json`). */
export function readOperations(file: string): {
  operations: ApiOperation[];
  resolve: (schema: Schema | undefined) => Schema | undefined;
} {
  const document = JSON.parse(readFileSync(path.join(__dirname, '../../..', file), 'utf8')) as OpenApiDocument;
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema?.$ref) return schema;
    return document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
  };
  const operations: ApiOperation[] = [];
  for (const [route, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = operation.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path: route,
        key: `${method.toUpperCase()} ${route}`,
        params: [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        query: parameters.filter((p) => p.in === 'query'),
        headers: parameters.filter((p) => p.in === 'header'),
        body: resolve(operation.requestBody?.content?.['application/json']?.schema),
        scheme: Object.keys(operation.security?.[0] ?? {})[0] ?? null,
      });
    }
  }
  return { operations, resolve };
}

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface WalkContext {
  /** `Authorization` header values that work, by security scheme. */
  credentials: Record<string, string>;
  /** Ids of real resources the caller may reach, by path parameter name (deeper code paths). */
  realIds: Record<string, string[]>;
  resolve: (schema: Schema | undefined) => Schema | undefined;
}

// ---------------------------------------------------------------------------------------------
// Generators

const NASTY_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '💥🚀',
  'x'.repeat(5000),
  '%00',
  '%',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE products; --',
  '${jndi:ldap://x/a}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '1e309',
  'NaN',
  '-0',
  '2026-13-45T99:99:99Z',
  '0000-00-00',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '\u202e',
  '\t\r\n',
  'lhc_',
  'lh_x_y',
  'Bearer',
  'true',
  'null',
  '[]',
  '{}',
];
const NASTY_NUMBERS = [
  0,
  -1,
  1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  -1e308,
  0.5,
  1e-300,
];

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
);
const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(...NASTY_NUMBERS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { value: nastyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyScalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a\u0000'), fc.string({ maxLength: 8 })),
      tie('value'),
      { maxKeys: 3 },
    ),
  ),
}));

/** A value that fits `schema` (so the request gets past validation into the service), with real ids where known. */
function validValue(schema: Schema | undefined, name: string, ctx: WalkContext): fc.Arbitrary<unknown> {
  const s = ctx.resolve(schema);
  if (!s) return nastyValue;
  const ids = ctx.realIds[name] ?? (name.endsWith('s') ? ctx.realIds[name.slice(0, -1)] : undefined);
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  if (s.allOf?.length) return validValue(s.allOf[0], name, ctx);
  if (s.oneOf?.length || s.anyOf?.length)
    return fc.oneof(...(s.oneOf ?? s.anyOf ?? []).map((o) => validValue(o, name, ctx)));
  switch (s.type) {
    case 'string':
      if (s.format === 'uuid' || /Id$/.test(name))
        return ids?.length ? fc.oneof(fc.constantFrom(...ids), fc.uuid()) : fc.uuid();
      if (s.format === 'date-time')
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      if (s.format === 'email' || /email/i.test(name)) return fc.emailAddress();
      if (/url/i.test(name))
        return fc.constantFrom(
          'https://hooks.example.com/leasehold',
          'http://127.0.0.1:1/x',
          'https://[64:ff9b::a9fe:a9fe]/x',
        );
      return fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string({ minLength: 1, maxLength: 20 }));
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -5, -5), max: Math.min(s.maximum ?? 1000, 1000) });
    case 'number':
      return fc.double({ min: s.minimum ?? -5, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(s.items, name, ctx), { maxLength: 3 });
    case 'object':
      return objectFor(s, ctx);
    default:
      return nastyValue;
  }
}

/** An object for `schema`: each property valid (most), hostile, or left out; now and then an unknown one. */
function objectFor(schema: Schema, ctx: WalkContext): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(schema.properties ?? {}).map(([name, property]) =>
    fc.oneof(
      { arbitrary: validValue(property, name, ctx).map((v) => [name, v] as const), weight: 6 },
      { arbitrary: nastyValue.map((v) => [name, v] as const), weight: 2 },
      { arbitrary: fc.constant(null), weight: 1 },
    ),
  );
  const extra = fc.option(
    fc.tuple(
      fc.oneof(fc.constantFrom('__proto__', 'constructor', 'vendorId', 'id'), fc.string({ maxLength: 10 })),
      nastyValue,
    ),
    { freq: 5 },
  );
  return fc.tuple(fc.tuple(...entries), extra).map(([pairs, more]) => {
    const object: Record<string, unknown> = {};
    for (const pair of pairs)
      if (pair) Object.defineProperty(object, pair[0], { value: pair[1], enumerable: true, writable: true });
    if (more) Object.defineProperty(object, more[0], { value: more[1], enumerable: true, writable: true });
    return object;
  });
}

const deepJson = fc
  .tuple(fc.integer({ min: 17, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

/** The body bytes and the headers that describe them. */
function bodyFor(
  operation: ApiOperation,
  ctx: WalkContext,
): fc.Arbitrary<{ body?: Buffer; headers: Record<string, string> }> {
  const json = operation.body
    ? fc.oneof({ arbitrary: objectFor(operation.body, ctx), weight: 4 }, { arbitrary: nastyValue, weight: 1 })
    : nastyValue;
  const text = fc.oneof(
    { arbitrary: json.map((v) => JSON.stringify(v) ?? 'null'), weight: 8 },
    { arbitrary: deepJson, weight: 1 },
    {
      arbitrary: fc.constantFrom(
        '{"a":',
        '{"a":1}}',
        '\u0000',
        '{"name":"\\ud800"}',
        '{"name":"\\u0000"}',
        '',
        'null',
        '"just a string"',
        '123',
        '[1,2,3]',
        '{"__proto__":{"admin":true}}',
      ),
      weight: 2,
    },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 50 }), weight: 1 },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=bogus',
    'application/json; charset=utf-16',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '',
  );
  const encoding = fc.constantFrom('', '', '', '', 'gzip', 'gzip-corrupt', 'deflate', 'bogus', 'br');
  return fc.tuple(fc.option(text, { freq: 8 }), contentType, encoding).map(([raw, type, enc]) => {
    const headers: Record<string, string> = {};
    if (raw === null) return { headers };
    let body = Buffer.from(raw, 'utf8');
    if (type) headers['Content-Type'] = type;
    if (enc === 'gzip') body = gzipSync(body);
    if (enc === 'gzip-corrupt') body = Buffer.concat([gzipSync(body).subarray(0, 10), Buffer.from('not gzip')]);
    if (enc) headers['Content-Encoding'] = enc === 'gzip-corrupt' ? 'gzip' : enc;
    return { body, headers };
  });
}

const MALFORMED_PERCENT = ['%', '%zz', '%E0%A4%A', '%ff', '%00', '%2F', '%2e%2e', '%C0%AF', '%ED%A0%80'];

function pathValue(param: string, ctx: WalkContext): fc.Arbitrary<string> {
  const real = ctx.realIds[param];
  return fc.oneof(
    { arbitrary: real?.length ? fc.constantFrom(...real).map(encode) : fc.uuid(), weight: 4 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: nastyString.filter((s) => s.length > 0).map(encode), weight: 3 },
    { arbitrary: fc.constantFrom(...MALFORMED_PERCENT), weight: 2 },
    { arbitrary: fc.constantFrom('.', '..', 'x'.repeat(3000), '-1', '0', 'null'), weight: 1 },
  );
}

function queryString(operation: ApiOperation, ctx: WalkContext): fc.Arbitrary<string> {
  const pairs = operation.query.map((p) =>
    fc.oneof(
      { arbitrary: fc.constant<string[]>([]), weight: 3 },
      {
        // `wait` long-polls for up to that many seconds: keep valid values at 0 so the walk stays fast.
        arbitrary: (p.name === 'wait' ? fc.constant(0) : validValue(p.schema, p.name, ctx)).map((v) => [
          `${encode(p.name)}=${encode(asText(v))}`,
        ]),
        weight: 4,
      },
      { arbitrary: nastyString.map((v) => [`${encode(p.name)}=${encode(v)}`]), weight: 3 },
      { arbitrary: fc.constantFrom(...MALFORMED_PERCENT).map((v) => [`${p.name}=${v}`]), weight: 1 },
      { arbitrary: fc.constant([`${p.name}=1`, `${p.name}=2`]), weight: 1 }, // repeated: an array
      { arbitrary: fc.constant([`${p.name}[a][b]=1`]), weight: 1 },
    ),
  );
  const unknown = fc.option(
    fc.constantFrom('x=1', '__proto__[a]=1', 'constructor=1', 'a[b][c][d][e][f][g]=1', '%00=%00'),
    { freq: 6 },
  );
  return fc
    .tuple(fc.tuple(...pairs), unknown)
    .map(([parts, extra]) => [...parts.flat(), ...(extra ? [extra] : [])].join('&'));
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes as UTF-8; a lone surrogate (not encodable) becomes a NUL, hostile all the same. */
function encode(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\u0000'));
}

/** Any generated value as query text (objects may have no prototype: `__proto__` keys). */
function asText(value: unknown): string {
  return value !== null && typeof value === 'object' ? (JSON.stringify(value) ?? '') : String(value);
}

const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

function authorization(operation: ApiOperation, ctx: WalkContext): fc.Arbitrary<string | null> {
  const own = operation.scheme ? ctx.credentials[operation.scheme] : undefined;
  const others = Object.values(ctx.credentials);
  return fc.oneof(
    { arbitrary: own ? fc.constant(own) : fc.constant(null), weight: 7 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.constantFrom(...others), weight: 1 },
    {
      arbitrary: fc.oneof(
        headerText.map((t) => `Bearer ${t}`),
        fc.constantFrom(
          'Bearer',
          'Basic dXNlcjpwYXNz',
          'Bearer lh_',
          'Bearer lhc_x',
          `${own ?? 'Bearer x'}x`,
          'bearer  a b c',
        ),
      ),
      weight: 1,
    },
  );
}

/** A hostile request for one operation. */
export function hostileRequest(operation: ApiOperation, ctx: WalkContext): fc.Arbitrary<HostileRequest> {
  const pathArb = fc.tuple(...operation.params.map((p) => pathValue(p, ctx))).map((values) => {
    let filled = operation.path;
    operation.params.forEach((p, i) => (filled = filled.replace(`{${p}}`, values[i])));
    return filled;
  });
  const extraHeaders = fc.record(
    {
      'Idempotency-Key': fc.oneof(headerText, fc.constant('k'.repeat(300))),
      'X-Request-Id': headerText,
      Accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html', 'x/y;q=bogus'),
      ...Object.fromEntries(
        operation.headers.map((h) => [
          h.name,
          fc.oneof(
            headerText,
            fc.constantFrom(
              'v1=' + 'a'.repeat(64),
              String(Math.floor(Date.now() / 1000)),
              '-1',
              '99999999999999999999',
            ),
          ),
        ]),
      ),
    },
    { requiredKeys: [] },
  );
  return fc
    .record({
      path: pathArb,
      query: queryString(operation, ctx),
      body: bodyFor(operation, ctx),
      auth: authorization(operation, ctx),
      extra: extraHeaders,
    })
    .map(({ path: filled, query, body, auth, extra }) => {
      const headers: Record<string, string> = { ...(extra as Record<string, string>), ...body.headers };
      if (auth) headers['Authorization'] = auth;
      return {
        method: operation.method,
        path: query ? `${filled}?${query}` : filled,
        headers,
        ...(body.body ? { body: body.body } : {}),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends the request as is (raw path, raw bytes); a streaming 2xx is cut after `streamMs`. */
export function send(baseUrl: string, req: HostileRequest, streamMs = 1500): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers, Connection: 'close' };
    if (req.body) headers['Content-Length'] = String(req.body.length);
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          clearTimeout(cut);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        };
        const cut = setTimeout(() => {
          res.destroy();
          done();
        }, streamMs);
        res.on('data', (chunk: Buffer) => {
          if (size < 65_536) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const INTERNALS = [
  /\bstack\b/i,
  /(\n|\\n)\s+at /,
  /\.(ts|js):\d+/,
  /node_modules/,
  /prisma/i,
  /violates|constraint|invalid input syntax|SELECT |INSERT INTO|UPDATE "|DELETE FROM/,
];

/** Why an answer is not acceptable (a 5xx, or a 4xx outside the error envelope), or null. */
export function judge(res: RawResponse): string | null {
  if (res.status >= 500 || res.status === 0) return `answered ${res.status}`;
  if (res.status < 400) return null;
  let body: { error?: { code?: unknown; message?: unknown }; requestId?: unknown };
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    return `answered ${res.status} with a body that is not JSON`;
  }
  const keys = Object.keys(body ?? {})
    .sort()
    .join(',');
  if (keys !== 'error,requestId') return `answered ${res.status} with keys ${keys}, not the error envelope`;
  const code = body.error?.code;
  if (typeof code !== 'string' || !(code in ERROR_CATALOGUE))
    return `answered ${res.status} with an unknown error code ${String(code)}`;
  const status = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status;
  if (status !== res.status) return `answered ${res.status} with ${code}, whose status is ${status}`;
  if (typeof body.error?.message !== 'string' || !body.error.message)
    return `answered ${res.status} ${code} without a message`;
  if (typeof body.requestId !== 'string' || body.requestId !== res.headers['x-request-id'])
    return `answered ${res.status} ${code} without the request id`;
  const leak = INTERNALS.find((pattern) => pattern.test(res.text));
  if (leak) return `answered ${res.status} ${code} with internals (${leak})`;
  return null;
}

/** Listens on 127.0.0.1 (a free port) and returns the base URL. */
export async function listenLocally(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

/** Runs the property for one operation; throws fast-check's report (seed, counterexample) on a bad answer. */
export async function walkOperation(
  baseUrl: string,
  operation: ApiOperation,
  ctx: WalkContext,
  index: number,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(hostileRequest(operation, ctx), async (req) => {
      const res = await send(baseUrl, req);
      const problem = judge(res);
      if (problem) throw new Error(`${operation.key}: ${problem}: ${res.text.slice(0, 500)}`);
    }),
    { seed: FUZZ_SEED + index, numRuns: FUZZ_RUNS, endOnFailure: true },
  );
}
