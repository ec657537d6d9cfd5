import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule, Params } from 'nestjs-pino';
import type { Options as HttpLoggerOptions } from 'pino-http';
import { ConfigService } from '@leasehold/config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Query parameters whose values are never logged: credentials (which the APIs refuse in URLs, but
 * a careless client still sends), one-time tokens, signatures. Matched case-insensitively, also as
 * a suffix (`access_token`, `refresh_token`, `x-api-key`, `clientSecret`).
 */
const SECRET_QUERY_NAME =
  /^(key|sig|signature|auth|authorization|credentials?|password|passwd)$|(token|secret|password|api[_-]?key)$/i;

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

/** The pino-http options of the three apps outside development (the test that reads log lines uses it). */
export function httpLoggerOptions(level: string): HttpLoggerOptions {
  return loggerOptions({ NODE_ENV: 'production', LOG_LEVEL: level }) as HttpLoggerOptions;
}

/** Takes a well-formed `X-Request-Id` from the caller or makes one, and echoes it back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Nest's start-up chatter: one line per module, controller and route (about 280 for
 * license-central). Dropped in development, where a person reads the output; kept elsewhere.
 */
export const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

type LoggerSettings = { NODE_ENV: string; LOG_LEVEL: string };

/**
 * The device API's successful answers (validate, heartbeat, checkout, …: most of all traffic) are
 * logged one in DEVICE_SUCCESS_SAMPLE, not each: at the default `info` level a line per
 * heartbeat costs the process more than the heartbeat (docs/benchmarks.md). Its errors (4xx, 5xx)
 * are always logged, as are all answers of every other route.
 */
export const DEVICE_SUCCESS_SAMPLE = 100;
let deviceSuccesses = 0;

function isSampledOut(url: string | undefined): boolean {
  if (!url?.startsWith('/client/v1/')) return false;
  deviceSuccesses = (deviceSuccesses + 1) % DEVICE_SUCCESS_SAMPLE;
  return deviceSuccesses !== 0;
}

/**
 * pino-http options. Production and test: structured JSON (pino) with the request id on every line.
 * Development: the same records printed readably on one line each by pino-pretty (a development
 * dependency, loaded only then), without Nest's route mappings. Secrets are redacted always: credential
 * headers, and the values of secret-looking query parameters in the logged URL (`redactUrl`).
 */
export function loggerOptions(settings: LoggerSettings): Params['pinoHttp'] {
  const development = settings.NODE_ENV === 'development';
  return {
    level: settings.LOG_LEVEL,
    genReqId: requestId,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-leasehold-signature"]'],
    customLogLevel: (req, res, err) =>
      err || res.statusCode >= 500
        ? 'error'
        : res.statusCode >= 400
          ? 'warn'
          : isSampledOut(req.url)
            ? 'silent'
            : 'info',
    // Per request only a child logger bound to the request id (a cheap child: no serializer or
    // redaction runs until a line is written); the request itself goes into the completion line.
    quietReqLogger: true,
    quietResLogger: true,
    customSuccessObject: (req: IncomingMessage, _res: ServerResponse, value: Record<string, unknown>) => ({
      req,
      ...value,
    }),
    customErrorObject: (req: IncomingMessage, _res: ServerResponse, _error: Error, value: Record<string, unknown>) => ({
      req,
      ...value,
    }),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    ...(development
      ? {
          customSuccessMessage: (req: IncomingMessage, res: ServerResponse, responseTime: number) =>
            `${req.method} ${redactUrl(req.url)} ${res.statusCode} ${Math.round(responseTime)} ms`,
          customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
            `${req.method} ${redactUrl(req.url)} ${res.statusCode}`,
          hooks: {
            logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
              const first = args[0] as { context?: unknown } | undefined;
              if (typeof first?.context === 'string' && START_UP_CONTEXTS.has(first.context)) return;
              method.apply(this, args);
            },
          },
          transport: {
            target: 'pino-pretty',
            options: {
              colorize: true,
              singleLine: true,
              translateTime: 'HH:MM:ss',
              ignore: 'pid,hostname,req,res,responseTime,context',
              messageFormat: '{if context}[{context}] {end}{msg}',
            },
          },
        }
      : {}),
  } as Params['pinoHttp'];
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        pinoHttp: loggerOptions({ NODE_ENV: config.get('NODE_ENV'), LOG_LEVEL: config.get('LOG_LEVEL') }),
      }),
    }),
  ],
})
export class LoggingModule {}
