import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { NextFunction, Response } from 'express';
import { authenticationFailure, DeviceStrategy, RateLimitedRequest, RequestRateLimits } from '@leasehold/auth';
import { inRequestContext } from '@leasehold/db';
import { ContainerCredentialsService, DevicePrincipal, DeviceToken } from '@leasehold/domain-licensing';
import { fastBody, fastField } from '@leasehold/http';
import { ValidateDto } from './activations.dto';
import { SeatsController } from './seats.controller';
import { CheckoutDto, HeartbeatDto, ReleaseDto } from './seats.dto';
import { ValidationController } from './validation.controller';

type Middleware = (req: RateLimitedRequest, res: Response, next: NextFunction) => Promise<void>;

/** How a route authenticates (as its `@Authenticate` method) and what it answers on success. */
interface Authentication<P extends Express.User> {
  status: number;
  authenticate(secret: string, token: DeviceToken): P | Promise<P>;
}

/** `device-token`: the secret's form only; the route's statement looks it up (answers 200). */
const DEVICE_TOKEN: Authentication<DeviceToken> = { status: 200, authenticate: (_secret, token) => token };

/** The form of `Authorization` that passport-http-bearer and the rate limits read alike. */
const PLAIN_BEARER = /^Bearer ([^\s]+)$/;
/** A lease id in the path that the route's `IdParam` (ParseUUIDPipe) accepts too; anything else goes on to the route. */
const isUuid = fastField.uuid();

/**
 * The device API's hottest routes (validate, heartbeat, release: `@Authenticate('device-token')`,
 * answering 200; checkout: `@Authenticate('device')`, answering 201) served by middleware in front
 * of Nest's router, for the common request: a well-formed container secret, a body the DTO's
 * `@FastBody` check accepts, a UUID lease id, no `Idempotency-Key`. Such a request does exactly
 * what the route does — the global guard's rate limits (`admit`, once) and its authentication
 * (`parse` for device-token; the `device` strategy for checkout, its infrastructure errors
 * answered 503 as the guard answers them), then the controller method itself — without the
 * router's walk, the guard's and passport's machinery, the validation pipe and the interceptor
 * chain, which together cost more CPU than the route's own work (docs/benchmarks.md). Every other
 * request (no or malformed secret, a body for the full pipe, an idempotent retry, validate with
 * `userToken`) goes on to the route unchanged, before anything was counted. Errors thrown here go
 * through the same exception filter (Nest wraps middleware with it): same envelope, status and
 * request id.
 */
@Injectable()
export class DeviceFastLane implements OnModuleInit {
  private validation!: ValidationController;
  private seats!: SeatsController;
  private credentials!: ContainerCredentialsService;
  private rateLimits!: RequestRateLimits;
  private device!: DeviceStrategy;
  private readonly logger = new Logger('Authentication');

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.validation = this.moduleRef.get(ValidationController, { strict: false });
    this.seats = this.moduleRef.get(SeatsController, { strict: false });
    this.credentials = this.moduleRef.get(ContainerCredentialsService, { strict: false });
    this.rateLimits = this.moduleRef.get(RequestRateLimits, { strict: false });
    this.device = this.moduleRef.get(DeviceStrategy, { strict: false });
  }

  /** POST /client/v1/validate */
  readonly validate: Middleware = (req, res, next) =>
    this.serve(req, res, next, DEVICE_TOKEN, () => {
      const body = fastBody(ValidateDto, req.body);
      if (!body || body.userToken != null) return undefined;
      return (token) => this.validation.validate(token, body);
    });

  /** POST /client/v1/seats/:leaseId/heartbeat */
  readonly heartbeat: Middleware = (req, res, next) =>
    this.serveLease(req, res, next, HeartbeatDto, (token, leaseId, body) => this.seats.heartbeat(token, leaseId, body));

  /** POST /client/v1/seats/:leaseId/release */
  readonly release: Middleware = (req, res, next) =>
    this.serveLease(req, res, next, ReleaseDto, (token, leaseId, body) => this.seats.release(token, leaseId, body));

  /** POST /client/v1/seats/checkout (201) */
  readonly checkout: Middleware = (req, res, next) =>
    this.serve(req, res, next, this.deviceAuthentication, () => {
      const body = fastBody(CheckoutDto, req.body);
      if (!body) return undefined;
      return (principal) => this.seats.checkout(principal, body);
    });

  /** The `device` strategy, its errors answered as the guard answers them. */
  private readonly deviceAuthentication: Authentication<DevicePrincipal> = {
    status: 201,
    authenticate: async (secret) => {
      try {
        return await this.device.validate(secret);
      } catch (error) {
        throw authenticationFailure(error, ['device'], this.logger);
      }
    },
  };

  /** A device-token route on one lease (`:leaseId`, a UUID) with a `@FastBody` body. */
  private serveLease<B extends object>(
    req: RateLimitedRequest,
    res: Response,
    next: NextFunction,
    dto: abstract new () => B,
    handle: (token: DeviceToken, leaseId: string, body: B) => Promise<unknown>,
  ): Promise<void> {
    return this.serve(req, res, next, DEVICE_TOKEN, () => {
      const leaseId = req.params['leaseId'];
      const body = fastBody(dto, req.body);
      if (typeof leaseId !== 'string' || !isUuid(leaseId) || !body) return undefined;
      return (token) => handle(token, leaseId, body);
    });
  }

  private async serve<P extends Express.User>(
    req: RateLimitedRequest,
    res: Response,
    next: NextFunction,
    auth: Authentication<P>,
    prepare: () => ((principal: P) => Promise<unknown>) | undefined,
  ): Promise<void> {
    if (req.headers['idempotency-key'] !== undefined) return next();
    const header = req.headers.authorization;
    const secret = typeof header === 'string' ? PLAIN_BEARER.exec(header)?.[1] : undefined;
    if (!secret) return next();
    let token: DeviceToken;
    try {
      token = this.credentials.parse(secret);
    } catch {
      return next(); // the route answers it (CREDENTIALS_INVALID), after counting it
    }
    const handle = prepare();
    if (!handle) return next();
    // From here on as the route: the guard's rate limits, then the principal, then the handler.
    await inRequestContext(async () => {
      req.vendorLimits = await this.rateLimits.admit('device', secret, req.ip ?? '');
      const principal = await auth.authenticate(secret, token);
      req.user = principal;
      const answer = JSON.stringify(await handle(principal));
      // The bytes and headers of Express's res.json(), without its ETag: a hash of every answer
      // that no client of a POST can use (Express only answers 304 to GET and HEAD).
      res.statusCode = auth.status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(answer));
      res.end(answer);
    });
  }
}
