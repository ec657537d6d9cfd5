import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigService } from '@leasehold/config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Query parameters whose values are never logged: credentials (which the APIs refuse in URLs, but
 * a careless client still sends), one-time tokens, signatures. Matched case-insensitively, also as
 * a suffix (`access_token`, `refresh_token`, `x-api-key`, `clientSecret`).
 */
const SECRET_QUERY_NAME = /^(key|sig|signature|auth|authorization|credentials?|password|passwd)$|(token|secret|password|api[_-]?key)$/i;

/** The URL with the value of every secret-looking query parameter replaced by `[REDACTED]`. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const redacted = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw name
      }
      return SECRET_QUERY_NAME.test(name.trim()) ? `${rawName}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${redacted}`;
}

/** The pino-http options of the three apps (exported for the test that reads the log lines). */
export function httpLoggerOptions(level: string) {
  return {
    level,
    genReqId: requestId,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-leasehold-signature"]'],
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? ('error' as const) : res.statusCode >= 400 ? ('warn' as const) : ('info' as const),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** Takes a well-formed `X-Request-Id` from the caller or makes one, and echoes it back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Structured JSON logs (pino) with the request id on every line; secrets are redacted: credential
 * headers, and the values of secret-looking query parameters in the logged URL (`redactUrl`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        pinoHttp: httpLoggerOptions(config.get('LOG_LEVEL')),
      }),
    }),
  ],
})
export class LoggingModule {}
