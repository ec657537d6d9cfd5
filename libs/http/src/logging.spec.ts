import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from './logging.module';

// Development logs are for people: pino-pretty, no route-mapping chatter. Production stays JSON.
function capture(settings: { NODE_ENV: string; LOG_LEVEL: string }) {
  const lines: string[] = [];
  const { transport: _transport, genReqId: _g, customLogLevel: _c, serializers: _s, customSuccessMessage: _m, customErrorMessage: _e, ...options } = loggerOptions(settings) as Record<string, unknown>;
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  return { logger: pino(options as pino.LoggerOptions, stream), lines };
}

describe('logger options', () => {
  it('development: pino-pretty on one line, and Nest start-up lines (route mappings, module loading) are dropped', () => {
    const options = loggerOptions({ NODE_ENV: 'development', LOG_LEVEL: 'info' }) as { transport?: { target: string; options: { singleLine: boolean } } };
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
