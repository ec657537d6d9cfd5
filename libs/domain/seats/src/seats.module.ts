import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { EndLeasesOfRemovedUser } from './end-leases-of-removed-user.subscriber';
import { LeaseSweepRepository } from './lease-sweep.repository';
import { LeaseSweeperService } from './lease-sweeper.service';
import { OverageAllowanceService } from './overage-allowance.service';
import { OverageRepository } from './overage.repository';
import { OverageService } from './overage.service';
import { ReservationsRepository } from './reservations.repository';
import { ReservationsService } from './reservations.service';
import { SeatLeaseRepository } from './seat-lease.repository';
import { SeatPoolRepository } from './seat-pool.repository';
import { SeatPoolService } from './seat-pool.service';
import { SeatsService } from './seats.service';
import { SessionsService } from './sessions.service';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

/** Seats of licenses: the pool (slots), leases (checkout, heartbeat, release, borrow), sessions, usage, expiry sweep, reservations, overage. */
@Module({
  imports: [AuditModule, EventsModule],
  providers: [
    SeatPoolRepository,
    SeatPoolService,
    SeatLeaseRepository,
    SeatsService,
    SessionsService,
    LeaseSweepRepository,
    LeaseSweeperService,
    UsageRepository,
    UsageService,
    EndLeasesOfRemovedUser,
    ReservationsRepository,
    ReservationsService,
    OverageRepository,
    OverageService,
    OverageAllowanceService,
  ],
  exports: [SeatPoolService, SeatsService, SessionsService, LeaseSweeperService, UsageService, ReservationsService, OverageAllowanceService],
})
export class SeatsModule {}
