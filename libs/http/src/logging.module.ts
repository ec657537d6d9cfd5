import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INestApplication, Module } from '@nestjs/common';
import { LoggerModule, Params, PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import pino, { Logger, LoggerOptions } from 'pino';
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

/** Nest's `Logger` and the request logs of every app: one pino root, request lines from `requestLogging`. */
export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  const development = settings.NODE_ENV === 'development';
  return {
    level: settings.LOG_LEVEL,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-leasehold-signature"]'],
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
  };
}

/** nestjs-pino's per-request store, whose logger (a child bound to the request id) is made when first used. */
class RequestLogStore {
  private child: Logger | undefined;
  readonly responseLogger = undefined;

  constructor(
    private readonly root: Logger,
    private readonly id: string,
  ) {}

  get logger(): Logger {
    return (this.child ??= this.root.child({ reqId: this.id }));
  }

  /** PinoLogger.assign() */
  set logger(logger: Logger) {
    this.child = logger;
  }
}

type LoggedRequest = IncomingMessage & { originalUrl?: string; [LOGGED]?: true };
const LOGGED = Symbol('logged');

/**
 * The request log of every app (installed first by `configureProbeApp`): takes or makes the request
 * id (`X-Request-Id`, echoed), binds it to every line logged while the request runs (nestjs-pino's
 * `PinoLogger`/`Logger` read the store set here), and writes one line when the answer is finished
 * or the client went away: `error` for 5xx, `warn` for 4xx, `info` otherwise (device successes
 * sampled, see DEVICE_SUCCESS_SAMPLE). What pino-http did, without its per-request cost: pino-http
 * made two child loggers (one serialising the request) and three listeners for every request,
 * whatever the level; here the child is made only when a line is written in the request, and the
 * completion line costs nothing when its level is off (docs/benchmarks.md, fifth session).
 */
export function requestLogging(root: Logger, settings: LoggerSettings) {
  const development = settings.NODE_ENV === 'development';
  return (req: LoggedRequest, res: ServerResponse, next: () => void): void => {
    if (req[LOGGED]) return next(); // a lane in front of Express logged it, and hands it on
    req[LOGGED] = true;
    const id = requestId(req, res);
    req.id = id;
    const start = Date.now();
    const store = new RequestLogStore(root, id);
    res.once('close', () => {
      const status = res.statusCode;
      const aborted = !res.writableFinished;
      const url = req.originalUrl ?? req.url;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : isSampledOut(url) ? null : 'info';
      if (!level || !root.isLevelEnabled(level)) return;
      const responseTime = Date.now() - start;
      // The URL as the client sent it (Express rewrites req.url while routing).
      const logged = { id, method: req.method, url };
      const message = development
        ? `${req.method} ${redactUrl(logged.url)} ${aborted ? 'aborted' : status} ${responseTime} ms`
        : aborted
          ? 'request aborted'
          : status >= 500
            ? 'request errored'
            : 'request completed';
      store.logger[level]({ req: logged, res, responseTime }, message);
    });
    storage.run(store as unknown as Store, next);
  };
}

/**
 * `fn`, to run later in the current request's log context (its request id on every line). For
 * callbacks of the request's own stream events ('data', 'end'), which Node runs in the context of
 * the connection, not of the request: without this, lines logged from them lose their `reqId`.
 */
export function bindRequestLog<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const store = storage.getStore();
  return store ? (...args) => storage.run(store, () => fn(...args)) : fn;
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService): Params => ({
        // useExisting + no routes: nestjs-pino's Logger over our root, its pino-http middleware not
        // installed (requestLogging does the request's part, before the body parsers).
        pinoHttp: { logger: pino(loggerOptions(loggerSettings(config))) },
        useExisting: true,
        forRoutes: [],
      }),
    }),
  ],
})
export class LoggingModule {}

function loggerSettings(config: ConfigService): LoggerSettings {
  return { NODE_ENV: config.get('NODE_ENV'), LOG_LEVEL: config.get('LOG_LEVEL') };
}

/** The root logger LoggingModule made, and the settings it was made with (for `requestLogging`). */
export function loggingOf(app: Pick<INestApplication, 'get'>): { root: Logger; settings: LoggerSettings } {
  const params = app.get<Params>(PARAMS_PROVIDER_TOKEN, { strict: false });
  const settings = loggerSettings(app.get(ConfigService, { strict: false }));
  return { root: (params.pinoHttp as { logger: Logger }).logger, settings };
}
