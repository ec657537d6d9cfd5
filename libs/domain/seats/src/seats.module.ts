import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { UpdatesModule } from '@leasehold/domain-updates';
import { EndLeasesOfRemovedUser } from './end-leases-of-removed-user.subscriber';
import { GroupBorrowingPolicy } from './group-borrowing.policy';
import { LeaseSweepRepository } from './lease-sweep.repository';
import { LeaseSweeperService } from './lease-sweeper.service';
import { OverageAllowanceService } from './overage-allowance.service';
import { OverageRepository } from './overage.repository';
import { OverageService } from './overage.service';
import { ReservationsRepository } from './reservations.repository';
import { ReservationsService } from './reservations.service';
import { SeatCheckoutRepository } from './seat-checkout.repository';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatLeaseRepository } from './seat-lease.repository';
import { SeatPoolRepository } from './seat-pool.repository';
import { SeatPoolService } from './seat-pool.service';
import { SeatQueueRepository } from './seat-queue.repository';
import { SeatQueueService } from './seat-queue.service';
import { AnnounceSeatQueueChange, ServeSeatQueue } from './seat-queue.subscribers';
import { SeatsService } from './seats.service';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { UsageAggregatesRepository } from './usage-aggregates.repository';
import { UsageAggregatesService } from './usage-aggregates.service';
import { UsageHistoryRepository } from './usage-history.repository';
import { UsageHistoryService } from './usage-history.service';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

/** Seats of licenses: the pool (slots), leases (checkout, heartbeat, release, borrow), the wait queue, sessions, usage (history, aggregates), expiry sweep, reservations, overage. */
@Module({
  imports: [AuditModule, EventsModule, UpdatesModule],
  providers: [
    SeatPoolRepository,
    SeatPoolService,
    SeatCheckoutRepository,
    SeatLeaseRepository,
    SessionsRepository,
    SeatCheckoutService,
    SeatsService,
    GroupBorrowingPolicy,
    SessionsService,
    LeaseSweepRepository,
    LeaseSweeperService,
    UsageRepository,
    UsageService,
    UsageHistoryRepository,
    UsageHistoryService,
    UsageAggregatesRepository,
    UsageAggregatesService,
    EndLeasesOfRemovedUser,
    SeatQueueRepository,
    SeatQueueService,
    ServeSeatQueue,
    AnnounceSeatQueueChange,
    ReservationsRepository,
    ReservationsService,
    OverageRepository,
    OverageService,
    OverageAllowanceService,
  ],
  exports: [
    SeatPoolService,
    SeatCheckoutService,
    SeatsService,
    SeatQueueService,
    SessionsService,
    LeaseSweeperService,
    UsageService,
    UsageHistoryService,
    UsageAggregatesService,
    ReservationsService,
    OverageAllowanceService,
  ],
})
export class SeatsModule {}
