import { Injectable } from '@nestjs/common';
import { SqlExecutor, uuidV7 } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import { OverageEpisodeRow, OverageRepository } from './overage.repository';

// Overage: a license with an allowance may have more seats in use than its quantity.
// An episode starts when the seats in use first exceed the quantity and ends when they fall back
// to it; each writes one event (license.overage_started / license.overage_ended) for the ERP to
// bill. Every change of the seats in use of such a license (checkout, release, stop, sweep,
// removal) settles the episode under a per-license lock, so each episode starts and ends once.
// A license without an allowance (and no open episode) is never touched here.

@Injectable()
export class OverageService {
  constructor(
    private readonly overage: OverageRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  /** `settle` for a license whose allowance is not known to the caller (release, stop, sweep). */
  async settleIfTracked(tx: SqlExecutor, licenseId: string): Promise<void> {
    if (await this.overage.tracked(tx, licenseId)) await this.settle(tx, licenseId);
  }

  /**
   * Brings the license's episode in line with the seats in use now, and with `claimedLeaseId` (a
   * lease this transaction just started) marks that lease `overage` when it took the seats in use
   * above the quantity. Returns whether it did.
   */
  async settle(tx: SqlExecutor, licenseId: string, claimedLeaseId?: string): Promise<boolean> {
    await this.overage.lock(tx, licenseId);
    const state = await this.overage.state(tx, licenseId);
    if (!state) return false;
    const over = state.inUse > state.quantity;
    if (over && claimedLeaseId) await this.overage.markLeaseOverage(tx, claimedLeaseId);
    if (over && state.openEpisodeId === null) {
      const episode = await this.overage.start(tx, uuidV7(), licenseId, state.quantity, state.inUse);
      await this.outbox.append(tx, {
        type: 'license.overage_started',
        aggregateType: 'license',
        aggregateId: licenseId,
        payload: {
          licenseId,
          episodeId: episode.id,
          quantity: state.quantity,
          capacity: state.capacity,
          inUse: state.inUse,
          startedAt: episode.startedAt.toISOString(),
        },
      });
    } else if (over && state.openEpisodeId !== null && state.inUse > (state.openPeakSeats ?? 0)) {
      await this.overage.raisePeak(tx, state.openEpisodeId, state.inUse);
    } else if (!over && state.openEpisodeId !== null) {
      const episode = await this.overage.end(tx, state.openEpisodeId);
      if (episode) await this.outbox.append(tx, endedEvent(episode, state.inUse));
    }
    return over && claimedLeaseId !== undefined;
  }
}

function endedEvent(episode: OverageEpisodeRow, inUse: number) {
  const endedAt = episode.endedAt ?? new Date();
  return {
    type: 'license.overage_ended' as const,
    aggregateType: 'license',
    aggregateId: episode.licenseId,
    payload: {
      licenseId: episode.licenseId,
      episodeId: episode.id,
      quantity: episode.quantity,
      inUse,
      peakSeats: episode.peakSeats,
      startedAt: episode.startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      overageMinutes: Math.round(((endedAt.getTime() - episode.startedAt.getTime()) / 60_000) * 100) / 100,
    },
  };
}
