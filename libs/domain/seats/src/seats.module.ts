import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { EndLeasesOfRemovedUser } from './end-leases-of-removed-user.subscriber';
import { GroupBorrowingPolicy } from './group-borrowing.policy';
import { LeaseSweepRepository } from './lease-sweep.repository';
import { LeaseSweeperService } from './lease-sweeper.service';
import { SeatLeaseRepository } from './seat-lease.repository';
import { SeatPoolRepository } from './seat-pool.repository';
import { SeatPoolService } from './seat-pool.service';
import { SeatsService } from './seats.service';
import { SessionsService } from './sessions.service';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

/** Seats of licenses: the pool (slots), leases (checkout, heartbeat, release, borrow), sessions, usage, expiry sweep. */
@Module({
  imports: [AuditModule, EventsModule],
  providers: [
    SeatPoolRepository,
    SeatPoolService,
    SeatLeaseRepository,
    SeatsService,
    GroupBorrowingPolicy,
    SessionsService,
    LeaseSweepRepository,
    LeaseSweeperService,
    UsageRepository,
    UsageService,
    EndLeasesOfRemovedUser,
  ],
  exports: [SeatPoolService, SeatsService, SessionsService, LeaseSweeperService, UsageService],
})
export class SeatsModule {}
