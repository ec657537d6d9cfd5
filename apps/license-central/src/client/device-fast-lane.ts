import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import proxyAddr from 'proxy-addr';
import { RequestRateLimits } from '@leasehold/auth';
import { inRequestContext } from '@leasehold/db';
import { ContainerCredentialsService, DeviceToken } from '@leasehold/domain-licensing';
import {
  bindRequestLog,
  fastBody,
  findUnsafeStrings,
  loggingOf,
  MAX_BODY_BYTES,
  parseJsonBody,
  PreReadBody,
  requestLogging,
} from '@leasehold/http';
import type { VendorLimits } from '@leasehold/domain-vendors';
import { ValidateDto } from './activations.dto';
import { SeatsController } from './seats.controller';
import { CheckoutDto, HeartbeatDto, ReleaseDto } from './seats.dto';
import { ValidationController } from './validation.controller';

type LaneRequest = IncomingMessage & {
  preReadBody?: PreReadBody;
  vendorLimits?: VendorLimits | null;
  user?: Express.User;
};
type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A route the lane serves, each `@Authenticate('device-token')` (the secret's form only; the
 * route's statement looks it up): the status it answers on success, and its handler for a body
 * (undefined: the route's pipe must see it).
 */
interface LaneRoute {
  status: number;
  prepare(body: unknown, leaseId: string | undefined): ((token: DeviceToken) => Promise<unknown>) | undefined;
}

/** A request the lane took: its route, the lease id in its path, and its credentials. */
interface Taken {
  route: LaneRoute;
  leaseId?: string;
  secret: string;
  token: DeviceToken;
}

/** The form of `Authorization` that passport-http-bearer and the rate limits read alike. */
const PLAIN_BEARER = /^Bearer ([^\s]+)$/;
/**
 * `/client/v1/seats/{leaseId}/{heartbeat|release}` with a lease id the route's `IdParam` accepts:
 * ParseUUIDPipe's default, 8-4-4-4-12 hex digits of any version. (Checking RFC 4122's version and
 * variant digits too, as the lane once did, sent ids of other shapes, the scale bench's among them,
 * to the slow route.)
 */
const LEASE_ROUTE =
  /^\/client\/v1\/seats\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(heartbeat|release)$/i;
/** The JSON bodies body-parser reads as UTF-8 (anything else goes to it, which answers or refuses it). */
const JSON_UTF8 = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/**
 * The device API's hottest routes (validate, heartbeat, release, checkout: `@Authenticate('device-token')`,
 * answering 200, checkout 201), served in front of Express,
 * as the HTTP server's request listener, for the common request: a well-formed container secret, a
 * JSON body of known length that the DTO's `@FastBody` check accepts, a UUID lease id, no
 * `Idempotency-Key`. Such a request does exactly what the route does — the request log and id
 * (`requestLogging`, the same function Express runs first), the global guard's rate limits
 * (`admit`, once) and its authentication (`parse`: the route's statement looks the secret up), then the controller
 * method itself — without Express's and Nest's per-request work (router walks, body-parser's
 * streams, the guard's and passport's machinery, the validation pipe), which cost more CPU than the
 * route's own work (docs/benchmarks.md).
 *
 * Every other request goes to Express untouched. One the lane has read but does not serve (a body
 * for the full pipe, a string Postgres cannot store) goes to Express with its body read ahead
 * (`PreReadBody`), as does one whose reading or serving failed, with the error, which the exception
 * filter answers: same envelope, status and request id as the route's.
 */
@Injectable()
export class DeviceFastLane implements OnModuleInit, OnApplicationBootstrap {
  private validation!: ValidationController;
  private seats!: SeatsController;
  private credentials!: ContainerCredentialsService;
  private rateLimits!: RequestRateLimits;
  /** Express's `trust proxy` (TRUST_PROXY), compiled: the client address as `req.ip` gives it. */
  private trust!: (addr: string, i: number) => boolean;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.validation = this.moduleRef.get(ValidationController, { strict: false });
    this.seats = this.moduleRef.get(SeatsController, { strict: false });
    this.credentials = this.moduleRef.get(ContainerCredentialsService, { strict: false });
    this.rateLimits = this.moduleRef.get(RequestRateLimits, { strict: false });
  }

  /** Puts the lane in front of Express: the server's request listener is the lane, which calls Express for the rest. */
  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // an application context without HTTP (the operator CLI, the demo seed)
    const server = adapter.getHttpServer() as Server;
    const express = server.listeners('request');
    if (express.length !== 1) throw new Error(`DeviceFastLane expects one request listener, found ${express.length}`);
    const next = express[0] as Listener;
    const app = adapter.getInstance<{ get(setting: string): (addr: string, i: number) => boolean }>();
    this.trust = app.get('trust proxy fn');
    const { root, settings } = loggingOf(this.moduleRef);
    const log = requestLogging(root, settings);
    server.removeListener('request', next);
    server.on('request', (req: LaneRequest, res: ServerResponse) => {
      const taken = this.take(req);
      if (!taken) return next(req, res);
      log(req, res, () => this.read(req, res, next, taken));
    });
  }

  private readonly validateRoute: LaneRoute = {
    status: 200,
    prepare: (value) => {
      const body = fastBody(ValidateDto, value);
      if (!body || body.userToken != null) return undefined;
      return (token) => this.validation.validate(token, body);
    },
  };

  private readonly checkoutRoute: LaneRoute = {
    status: 201,
    prepare: (value) => {
      const body = fastBody(CheckoutDto, value);
      return body && ((token) => this.seats.checkout(token, body));
    },
  };

  private readonly heartbeatRoute = this.leaseRoute(HeartbeatDto, (token, leaseId, body) =>
    this.seats.heartbeat(token, leaseId, body),
  );
  private readonly releaseRoute = this.leaseRoute(ReleaseDto, (token, leaseId, body) =>
    this.seats.release(token, leaseId, body),
  );

  /** A device-token route on one lease (`:leaseId`, a UUID) with a `@FastBody` body. */
  private leaseRoute<B extends object>(
    dto: abstract new () => B,
    handle: (token: DeviceToken, leaseId: string, body: B) => Promise<unknown>,
  ): LaneRoute {
    return {
      status: 200,
      prepare: (value, leaseId) => {
        const body = fastBody(dto, value);
        if (!body || !leaseId) return undefined;
        return (token) => handle(token, leaseId, body);
      },
    };
  }

  /** The lane's route and the request's credentials, when the lane may take it (from its head alone). */
  private take(req: IncomingMessage): Taken | null {
    if (req.method !== 'POST' || !req.url?.startsWith('/client/v1/')) return null;
    let route: LaneRoute | undefined;
    let leaseId: string | undefined;
    if (req.url === '/client/v1/validate') route = this.validateRoute;
    else if (req.url === '/client/v1/seats/checkout') route = this.checkoutRoute;
    else {
      const match = LEASE_ROUTE.exec(req.url);
      if (!match) return null;
      leaseId = match[1];
      route = match[2] === 'heartbeat' ? this.heartbeatRoute : this.releaseRoute;
    }
    const headers = req.headers;
    if (headers['idempotency-key'] !== undefined || headers['transfer-encoding'] !== undefined) return null;
    if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return null;
    // No Content-Length (and no Transfer-Encoding): no body, which the route's pipe reads as {}.
    const length = headers['content-length'] === undefined ? 0 : Number(headers['content-length']);
    if (!Number.isInteger(length) || length < 0 || length > MAX_BODY_BYTES) return null;
    if (length > 0 && !JSON_UTF8.test(headers['content-type'] ?? '')) return null;
    const header = headers.authorization;
    const secret = typeof header === 'string' ? PLAIN_BEARER.exec(header)?.[1] : undefined;
    if (!secret) return null;
    try {
      return { route, leaseId, secret, token: this.credentials.parse(secret) };
    } catch {
      return null; // the route answers it (CREDENTIALS_INVALID), after counting it
    }
  }

  /** Reads the body, then serves the request or hands it to Express with the body read. */
  private read(req: LaneRequest, res: ServerResponse, next: Listener, taken: Taken): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('error', () => undefined); // the client went away: nothing to answer (the log line says aborted)
    // Bound to the request's log context: Node runs a stream's 'end' in the connection's.
    req.once(
      'end',
      bindRequestLog(() => {
        const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        let body: unknown;
        try {
          body = parseJsonBody(raw);
        } catch (error) {
          req.preReadBody = { raw, error };
          return next(req, res);
        }
        req.preReadBody = { raw, body };
        const handle = taken.route.prepare(body, taken.leaseId);
        if (!handle || findUnsafeStrings(body, 'body').length) return next(req, res);
        void this.serve(req, res, taken, handle).catch((error: unknown) => {
          req.preReadBody = { raw, error };
          next(req, res);
        });
      }),
    );
  }

  private serve(
    req: LaneRequest,
    res: ServerResponse,
    { route, secret, token }: Taken,
    handle: (token: DeviceToken) => Promise<unknown>,
  ): Promise<void> {
    // As the route: the guard's rate limits, then the principal (device-token: the parsed secret), then the handler.
    return inRequestContext(async () => {
      req.vendorLimits = await this.rateLimits.admit(
        'device',
        secret,
        proxyAddr(req, this.trust),
        token.credentialHash,
      );
      req.user = token;
      const answer = JSON.stringify(await handle(token));
      // The bytes and headers of Express's res.json(), without its ETag: a hash of every answer
      // that no client of a POST can use (Express only answers 304 to GET and HEAD).
      res.statusCode = route.status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(answer));
      res.end(answer);
    });
  }
}
