import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DependencyHealthIndicators, HealthController } from './health.controller';

/**
 * What the probes need, without their routes: for an app that lists `HealthController` among its
 * own controllers, first, so that Express finds the probes before walking its other routes
 * (license-central has about 280; docs/benchmarks.md).
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [DependencyHealthIndicators],
  exports: [TerminusModule, DependencyHealthIndicators],
})
export class HealthChecksModule {}

/** The probes (`/health/live`, `/health/ready`) with their routes. */
@Module({
  imports: [HealthChecksModule],
  controllers: [HealthController],
})
export class HealthModule {}
