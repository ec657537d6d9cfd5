import { Controller, Get, Injectable } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';
import { RedisService } from '@leasehold/redis';
import { Public } from '../public.decorator';

// Readiness must not flap when the machine is merely busy: a load balancer that sees every
// replica's probe time out under a load spike takes them all out at the worst moment. So a probe
// may take HEALTH_PROBE_TIMEOUT_MS (5 s, not 1 s), concurrent probes of a dependency share one
// round trip (a queue of probes cannot pile up on a slow event loop), and a dependency that
// answered well within HEALTH_READY_GRACE_MS (30 s) still counts as up while its probes fail,
// reported as `stale` with the last error. One that never answered, or stays silent past the
// grace, is down: 503.

interface ProbeState {
  lastOkAt?: number;
  inFlight?: Promise<ProbeOutcome>;
}

type ProbeOutcome = { ok: true } | { ok: false; message: string };

@Injectable()
export class DependencyHealthIndicators {
  private readonly states = new Map<string, ProbeState>();
  private readonly timeoutMs: number;
  private readonly graceMs: number;

  constructor(
    private readonly prisma: PrismaService,
    private readonly redisService: RedisService,
    private readonly indicator: HealthIndicatorService,
    config: ConfigService,
  ) {
    this.timeoutMs = config.get('HEALTH_PROBE_TIMEOUT_MS');
    this.graceMs = config.get('HEALTH_READY_GRACE_MS');
  }

  postgres() {
    return this.report('postgres', async () => {
      await this.prisma.$queryRaw`SELECT 1`;
    });
  }

  redis() {
    return this.report('redis', async () => {
      const answer = await this.redisService.client.ping();
      if (answer !== 'PONG') throw new Error(`unexpected answer ${answer}`);
    });
  }

  private async report(name: string, probe: () => Promise<void>) {
    const check = this.indicator.check(name);
    const state = this.states.get(name) ?? {};
    this.states.set(name, state);
    state.inFlight ??= withTimeout(probe(), this.timeoutMs)
      .then((): ProbeOutcome => ({ ok: true }))
      .catch(
        (error: unknown): ProbeOutcome => ({
          ok: false,
          message: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => (state.inFlight = undefined));
    const outcome = await state.inFlight;
    const now = Date.now();
    if (outcome.ok) {
      state.lastOkAt = now;
      return check.up();
    }
    if (state.lastOkAt !== undefined && now - state.lastOkAt <= this.graceMs) {
      return check.up({ stale: true, lastOkAt: new Date(state.lastOkAt).toISOString(), message: outcome.message });
    }
    return check.down({
      message: outcome.message,
      ...(state.lastOkAt !== undefined ? { lastOkAt: new Date(state.lastOkAt).toISOString() } : {}),
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: DependencyHealthIndicators,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP.' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: Postgres and Redis answer (within HEALTH_PROBE_TIMEOUT_MS, or answered within HEALTH_READY_GRACE_MS: then `stale: true`). 503 with details when either does not.',
  })
  ready() {
    return this.health.check([() => this.indicators.postgres(), () => this.indicators.redis()]);
  }
}
