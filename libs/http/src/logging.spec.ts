import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { DEVICE_SUCCESS_SAMPLE, loggerOptions, redactUrl, requestLogging } from './logging.module';

/** The apps' request log (`requestLogging` over the apps' pino options) on a real HTTP server, writing to a captured stream. */
async function withLoggedServer(
  level: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  run: (base: string, lines: () => Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      written.push(chunk.toString());
      done();
    },
  });
  const settings = { NODE_ENV: 'production', LOG_LEVEL: level };
  const log = requestLogging(pino(loggerOptions(settings), sink), settings);
  const server = createServer((req, res) => log(req, res, () => handle(req, res))).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    await run(`http://127.0.0.1:${port}`, () =>
      written
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  } finally {
    server.close();
  }
}

const settle = () => new Promise((r) => setImmediate(r));

// A client that puts a secret in the URL must not get it written to the logs.
describe('request logs', () => {
  it('strip the values of secret query parameters from the logged URL, and keep the rest', async () => {
    await withLoggedServer(
      'info',
      (_req, res) => res.end('ok'),
      async (base, lines) => {
        const secrets = [
          'lh_abcdefghijkl_SECRETSECRET',
          'lhc_DEVICESECRET',
          'eyJhbGciOi.jwt.PORTAL',
          'reset_TOKENTOKEN',
          'OPERATOR-TOKEN-0123',
        ];
        const url =
          `/v1/products?search=widgets&access_token=${secrets[0]}&secret=${secrets[1]}&Token=${secrets[2]}` +
          `&refresh_token=${secrets[3]}&api_key=${secrets[4]}&take=5`;
        await fetch(`${base}${url}`, { headers: { Authorization: `Bearer ${secrets[0]}` } });
        await settle();
        const text = JSON.stringify(lines());
        expect(text).toContain('/v1/products?search=widgets&access_token=[REDACTED]');
        expect(text).toContain('take=5');
        for (const secret of secrets) expect(text).not.toContain(secret);
      },
    );
  });

  it('bind the request id to every line logged during the request, and echo it in X-Request-Id', async () => {
    await withLoggedServer(
      'info',
      (_req, res) => {
        storage.getStore()!.logger.info({ context: 'Test' }, 'inside the request');
        res.end('ok');
      },
      async (base, lines) => {
        const answer = await fetch(`${base}/v1/products`, { headers: { 'X-Request-Id': 'req-42' } });
        expect(answer.headers.get('x-request-id')).toBe('req-42');
        const made = await fetch(`${base}/v1/products`, { headers: { 'X-Request-Id': 'not a valid id!' } });
        const madeId = made.headers.get('x-request-id');
        expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
        await settle();
        expect(lines().map((l) => [l['msg'], l['reqId']])).toEqual([
          ['inside the request', 'req-42'],
          ['request completed', 'req-42'],
          ['inside the request', madeId],
          ['request completed', madeId],
        ]);
        expect(lines()[1]).toMatchObject({
          level: 30,
          req: { id: 'req-42', method: 'GET', url: '/v1/products' },
          res: { statusCode: 200 },
        });
      },
    );
  });

  it('log 5xx at error, 4xx at warn, and at warn level write no line for a success', async () => {
    await withLoggedServer(
      'warn',
      (req, res) => {
        res.statusCode = Number(req.url!.slice(1));
        res.end();
      },
      async (base, lines) => {
        for (const status of [200, 404, 503, 201]) await fetch(`${base}/${status}`);
        await settle();
        expect(lines().map((l) => [l['level'], l['msg'], (l['res'] as { statusCode: number }).statusCode])).toEqual([
          [40, 'request completed', 404],
          [50, 'request errored', 503],
        ]);
      },
    );
  });

  it('log one device success in DEVICE_SUCCESS_SAMPLE, and every device error', async () => {
    await withLoggedServer(
      'info',
      (req, res) => {
        res.statusCode = req.url!.endsWith('bad') ? 409 : 200;
        res.end();
      },
      async (base, lines) => {
        for (let i = 0; i < DEVICE_SUCCESS_SAMPLE * 2; i++)
          await fetch(`${base}/client/v1/validate`, { method: 'POST' });
        await fetch(`${base}/client/v1/seats/bad`, { method: 'POST' });
        await settle();
        const urls = lines().map((l) => (l['req'] as { url: string }).url);
        expect(urls.filter((u) => u === '/client/v1/validate')).toHaveLength(2);
        expect(urls).toContain('/client/v1/seats/bad');
      },
    );
  });

  it('redactUrl leaves URLs without secrets alone and copes with malformed escapes', () => {
    expect(redactUrl('/client/v1/updates?knownRevision=3&wait=25')).toBe('/client/v1/updates?knownRevision=3&wait=25');
    expect(redactUrl('/health/live')).toBe('/health/live');
    expect(redactUrl('/x?%E0%A4%A=1&key=abc')).toBe('/x?%E0%A4%A=1&key=[REDACTED]');
    expect(redactUrl('/x?a%5Ftoken=zzz')).toBe('/x?a%5Ftoken=[REDACTED]');
  });
});

// Development logs are for people: pino-pretty, no route-mapping chatter. Production stays JSON.
function capture(settings: { NODE_ENV: string; LOG_LEVEL: string }) {
  const lines: string[] = [];
  const { transport: _transport, ...options } = loggerOptions(settings);
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  return { logger: pino(options, stream), lines };
}

describe('logger options', () => {
  it('development: pino-pretty on one line, and Nest start-up lines (route mappings, module loading) are dropped', () => {
    const options = loggerOptions({ NODE_ENV: 'development', LOG_LEVEL: 'info' }) as {
      transport?: { target: string; options: { singleLine: boolean } };
    };
    expect(options.transport).toMatchObject({ target: 'pino-pretty', options: { singleLine: true } });
    const { logger, lines } = capture({ NODE_ENV: 'development', LOG_LEVEL: 'info' });
    logger.info({ context: 'RouterExplorer' }, 'Mapped {/v1/products, GET} route');
    logger.info({ context: 'RoutesResolver' }, 'ProductsController {/v1/products}:');
    logger.info({ context: 'InstanceLoader' }, 'AppModule dependencies initialized');
    logger.info({ context: 'NestApplication' }, 'Nest application successfully started');
    logger.warn({ context: 'Seats' }, 'a warning');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['Nest application successfully started', 'a warning']);
  });

  it('production and test: JSON lines, nothing dropped, no pretty printer', () => {
    for (const NODE_ENV of ['production', 'test']) {
      expect((loggerOptions({ NODE_ENV, LOG_LEVEL: 'info' }) as { transport?: unknown }).transport).toBeUndefined();
      const { logger, lines } = capture({ NODE_ENV, LOG_LEVEL: 'info' });
      logger.info({ context: 'RouterExplorer' }, 'Mapped {/v1/products, GET} route');
      expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['Mapped {/v1/products, GET} route']);
    }
  });
});
