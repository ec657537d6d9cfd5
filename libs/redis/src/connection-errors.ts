import { Logger } from '@nestjs/common';

/**
 * An 'error' listener for a Redis connection (ioredis, or a BullMQ queue or worker). An 'error'
 * event with no listener ends the process (or, in BullMQ, is dumped to stderr); while Redis is away
 * every reconnect attempt fails, so this logs one warning per source at most every 10 seconds.
 * The connection keeps reconnecting by itself (docs/operations.md).
 */
export function redisErrorLogger(logger: Logger, source: string, everyMs = 10_000): (error: Error) => void {
  let last = 0;
  let suppressed = 0;
  return (error: Error) => {
    const now = Date.now();
    if (now - last < everyMs) {
      suppressed++;
      return;
    }
    logger.warn({ source, err: error, suppressed }, `Redis connection error (${source}); reconnecting`);
    last = now;
    suppressed = 0;
  };
}
