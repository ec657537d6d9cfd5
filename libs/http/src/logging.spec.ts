import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { httpLoggerOptions, loggerOptions, redactUrl } from './logging.module';
import pino from 'pino';

// A client that puts a secret in the URL must not get it written to the logs.
// The apps' own pino-http options, on a real HTTP request, writing to a captured stream.
describe('request logs', () => {
  it('strip the values of secret query parameters from the logged URL, and keep the rest', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pinoHttp(httpLoggerOptions('info'), sink);
    const server = createServer((req, res) => {
      log(req, res);
      res.end('ok');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
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
      await fetch(`http://127.0.0.1:${port}${url}`, { headers: { Authorization: `Bearer ${secrets[0]}` } });
      await new Promise((r) => setImmediate(r));
      const text = lines.join('');
      expect(text).toContain('/v1/products?search=widgets&access_token=[REDACTED]');
      expect(text).toContain('take=5');
      for (const secret of secrets) expect(text).not.toContain(secret);
    } finally {
      server.close();
    }
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
  const {
    transport: _transport,
    genReqId: _g,
    customLogLevel: _c,
    serializers: _s,
    customSuccessMessage: _m,
    customErrorMessage: _e,
    ...options
  } = loggerOptions(settings) as Record<string, unknown>;
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  return { logger: pino(options as pino.LoggerOptions, stream), lines };
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
