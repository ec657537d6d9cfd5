import { Module } from '@nestjs/common';
import { RedisModule } from '@leasehold/redis';
import { LicenseUpdateAnnouncer } from './license-update.subscriber';
import { UpdateSignal } from './update-signal.service';
import { UpdatesRepository } from './updates.repository';
import { UpdatesService } from './updates.service';

/**
 * Auto-update triggers: the container revision, waiting for it to move (long-poll), and the Redis
 * wake-ups that end the wait within a second of a license change or an admin's "update now".
 */
@Module({
  imports: [RedisModule],
  providers: [UpdatesRepository, UpdatesService, UpdateSignal, LicenseUpdateAnnouncer],
  exports: [UpdatesService, UpdateSignal],
})
export class UpdatesModule {}
