import type { INestApplication } from '@nestjs/common';
import type { ExpressAdapter } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '@leasehold/errors';

// Hostile input is refused once, here, before any code walks it: the body parsers are ours (not
// Nest's defaults) so that (1) their errors keep body-parser's 4xx status (the exception filter
// maps them), (2) JSON nested deeper than MAX_JSON_DEPTH is refused from the raw bytes before
// JSON.parse, class-transformer, the validation pipe or the idempotency hash could recurse into it,
// and (3) no string of the body, the query or the path may hold a NUL (Postgres refuses 0x00 in
// text) or a lone UTF-16 surrogate (not encodable as UTF-8) — one rule for every route and DTO.

/** Deepest JSON nesting (objects and arrays) a request body may have; our DTOs need 3 or 4. */
export const MAX_JSON_DEPTH = 16;
/** Largest JSON or form body in bytes (100 kB, as body-parser counts it): the body parsers' and the device lane's limit. */
export const MAX_BODY_BYTES = 100 * 1024;

/**
 * A JSON body read before Express by a lane in front of it (license-central's device lane), for a
 * request that lane hands to Express after all: the body it parsed, or the error its reading or
 * serving ended in (answered by the exception filter as any route's error).
 */
export type PreReadBody = { raw: Buffer; body: unknown } | { raw: Buffer; error: unknown };

type RawBodyRequest = Request & { rawBody?: Buffer; preReadBody?: PreReadBody };

/** The JSON text of a request body as body-parser reads it: UTF-8, a leading byte-order mark dropped. */
function jsonText(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Parses a JSON body as our body parser does (depth check, then body-parser's strict mode: an
 * object or an array; an empty body is `{}`), throwing the DomainError the exception filter would
 * answer for body-parser's own error.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  assertJsonDepth(raw);
  let body: unknown;
  try {
    body = JSON.parse(jsonText(raw));
  } catch {
    body = undefined;
  }
  if (body === null || typeof body !== 'object')
    throw new DomainError('MALFORMED_JSON', 'The request body is not valid JSON');
  return body;
}

/**
 * Throws MALFORMED_BODY when the JSON text nests deeper than `maxDepth`. Scans the bytes once,
 * iteratively (brackets inside strings do not count), so a 10,000-deep body costs no stack.
 */
export function assertJsonDepth(raw: Buffer | string, maxDepth = MAX_JSON_DEPTH): void {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1'); // brackets and quotes are ASCII
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) {
        throw new DomainError('MALFORMED_BODY', `The request body is nested deeper than ${maxDepth} levels`, {
          reason: 'TOO_DEEP',
          maxDepth,
        });
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
}

/** Why a string cannot be stored, or undefined when it can. */
export function unsafeStringReason(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return 'must not contain a NUL character (\\u0000)';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'must not contain a lone UTF-16 surrogate';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'must not contain a lone UTF-16 surrogate';
  }
  return undefined;
}

/**
 * Every string (values and keys) in `value` that cannot be stored, as `{ field, messages }` (the
 * shape of the validation pipe's `details.fields`). Iterative, and bounded by the depth check.
 */
export function findUnsafeStrings(value: unknown, root: string): { field: string; messages: string[] }[] {
  const problems: { field: string; messages: string[] }[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path: root }];
  while (stack.length && problems.length < 20) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const reason = unsafeStringReason(current);
      if (reason) problems.push({ field: path, messages: [`${path} ${reason}`] });
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push({ value: item, path: `${path}.${index}` }));
    } else if (current && typeof current === 'object' && !Buffer.isBuffer(current)) {
      for (const [key, item] of Object.entries(current)) {
        const reason = unsafeStringReason(key);
        // The key itself may be the bad string: name the field without it.
        if (reason) problems.push({ field: path, messages: [`a field name in ${path} ${reason}`] });
        else stack.push({ value: item, path: `${path}.${key}` });
      }
    }
  }
  return problems;
}

/** Express middleware: refuses NUL bytes and lone surrogates in the body, the query and the path. */
export function rejectUnsafeStrings(req: Request, _res: Response, next: NextFunction): void {
  // Only a percent-escape can put a NUL or a lone surrogate in the path or the query (Node's HTTP
  // parser refuses raw control bytes, and raw bytes are not UTF-16): most requests skip those walks.
  const url = req.originalUrl ?? req.url;
  const escaped = url.includes('%');
  const problems = [
    ...(req.body === undefined ? [] : findUnsafeStrings(req.body, 'body')),
    ...(escaped || url.includes('?') ? findUnsafeStrings(req.query, 'query') : []),
  ];
  if (escaped) {
    for (const segment of req.path.split('/')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        continue; // not percent-decodable: the router answers 400 for it (see the exception filter)
      }
      const reason = unsafeStringReason(decoded);
      if (reason) problems.push({ field: 'path', messages: [`a path segment ${reason}`] });
    }
  }
  if (problems.length) {
    next(
      new DomainError('VALIDATION_FAILED', `Invalid request: ${problems.map((p) => p.field).join(', ')}`, {
        fields: problems,
      }),
    );
    return;
  }
  next();
}

/**
 * Installs the body parsers and the string check on an Express-based Nest app, before Nest's
 * defaults would be (Nest skips a parser of the same name). The raw bytes of a JSON body are kept
 * in `req.rawBody` (signed ERP webhooks verify them), as Nest's `rawBody: true` did.
 */
export function configureRequestParsing(app: INestApplication): void {
  // A body read ahead (PreReadBody): body-parser skips a request whose stream has ended.
  app.use((req: RawBodyRequest, _res: Response, next: NextFunction) => {
    const read = req.preReadBody;
    if (!read) return next();
    req.rawBody = read.raw;
    if ('error' in read) return next(read.error);
    req.body = read.body;
    next();
  });
  const keepRawAndCheckDepth = (req: RawBodyRequest, _res: Response, buffer: Buffer): void => {
    assertJsonDepth(buffer);
    req.rawBody = buffer;
  };
  const http = app.getHttpAdapter() as unknown as ExpressAdapter;
  // rawBody `false`: Nest's own rawBody option would replace our `verify` with its own.
  http.useBodyParser('json', false, { limit: MAX_BODY_BYTES, verify: keepRawAndCheckDepth as never });
  // Plain `key=value` forms only (no qs nesting); no route takes forms, but a client may send one.
  http.useBodyParser('urlencoded', false, { limit: MAX_BODY_BYTES, extended: false, parameterLimit: 100 });
  app.use(rejectUnsafeStrings);
}
