import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DependencyHealthIndicators, Public } from '@leasehold/http';
import { ScheduleKeeper } from '../schedules/schedule-keeper';

/**
 * The worker's probes: as the APIs' (Postgres, Redis), and readiness also says whether the worker
 * is doing its work: every periodic job's scheduler is in Redis and every BullMQ worker is running.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: DependencyHealthIndicators,
    private readonly schedules: ScheduleKeeper,
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
      'Readiness: Postgres and Redis answer, every job scheduler is registered and every BullMQ worker runs. 503 with details otherwise.',
  })
  ready() {
    return this.health.check([
      () => this.indicators.postgres(),
      () => this.indicators.redis(),
      () => this.schedules.health(),
    ]);
  }
}
