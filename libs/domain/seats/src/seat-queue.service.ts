import { Injectable } from '@nestjs/common';
import { PgPool, SqlExecutor, TenantContext, uuidV7 } from '@leasehold/db';
import { DomainEventInput, OutboxRepository } from '@leasehold/domain-events';
import { MAX_WAIT_SECONDS, UpdateSignal } from '@leasehold/domain-updates';
import { DomainError } from '@leasehold/errors';
import { assertMayTakeSeat } from './lease-rules';
import { ReservationsRepository } from './reservations.repository';
import { checkoutLockKey, SeatCheckoutRepository } from './seat-checkout.repository';
import { ChangedTicket, SeatQueueRepository, TicketRow } from './seat-queue.repository';
import { toTicketView } from './seat-queue.rules';
import { EnqueueInput, QueueTicketView } from './seat-queue.types';

// The wait queue for a seat (docs/seats.md, "Waiting for a seat"). A program that found no seat
// takes a ticket; tickets of a license are served first in, first out: whenever a seat frees, the
// outbox relay runs a grant pass (ServeSeatQueue) that holds it for the first waiting ticket for
// the claim window, and the program, waiting on its ticket, is woken over the update channel. A
// held seat is nobody else's (seat-queue.predicates.ts, in the claim's own SQL); a ticket nobody
// renews, or a hold not claimed in its window, lapses and the seat passes on.

@Injectable()
export class SeatQueueService {
  constructor(
    private readonly pg: PgPool,
    private readonly tenant: TenantContext,
    private readonly checkouts: SeatCheckoutRepository,
    private readonly queue: SeatQueueRepository,
    private readonly reservations: ReservationsRepository,
    private readonly outbox: OutboxRepository,
    private readonly signal: UpdateSignal,
  ) {}

  /**
   * Joins the queue of the license (the checkout's checks first; a device holding a seat need not
   * wait). The device's ticket still in the queue answers again, renewed. If a seat is free and
   * nobody waits ahead, it is held for the new ticket at once (status HELD).
   */
  async enqueue(input: EnqueueInput): Promise<QueueTicketView> {
    return this.pg.transaction(
      async (tx) => {
        const license = await this.checkouts.checkoutContext(tx, input.containerId, input.license, input.fingerprint);
        if (!license)
          throw DomainError.notFound(
            'License',
            'licenseId' in input.license ? input.license.licenseId : input.license.productCode,
          );
        assertMayTakeSeat(license, input.user);
        if (license.liveLease) {
          throw new DomainError('QUEUE_SEAT_HELD', 'This device already holds a seat of the license; no need to wait', {
            leaseId: license.liveLease.id,
          });
        }
        await this.queue.lockLicenseQueue(tx, license.licenseId);
        const existing = await this.queue.liveTicketOf(tx, license.licenseId, input.fingerprint);
        if (existing) {
          await this.queue.renew(existing.id, license.containerId);
          return toTicketView((await this.queue.find(tx, existing.id, {})) ?? existing);
        }
        const id = uuidV7();
        await this.queue.insert(tx, {
          id,
          licenseId: license.licenseId,
          containerId: license.containerId,
          fingerprint: input.fingerprint,
          clientName: input.clientName ?? null,
          userId: license.kind === 'PERSONAL' ? license.containerUserId : (input.user?.id ?? null),
        });
        const ticket = await this.requireTicket(tx, id);
        await this.outbox.append(tx, ticketEvent('seat.queued', ticket));
        await this.grantIn(tx, license.licenseId);
        return toTicketView(await this.requireTicket(tx, id));
      },
      { advisoryLock: checkoutLockKey(input.containerId, input.fingerprint) },
    );
  }

  /**
   * The program's wait on its ticket (long-poll): renews a waiting ticket, then answers at once
   * unless it is still waiting, else when the ticket changes (a grant or lapse wakes the
   * container's waiters over the update channel, on every replica) or after `waitSeconds`.
   */
  async awaitTurn(
    containerId: string,
    ticketId: string,
    waitSeconds: number,
    cancelled?: AbortSignal,
  ): Promise<QueueTicketView> {
    const vendorId = this.tenant.vendorId;
    let woken = false;
    let wake = () => undefined as void;
    const stop = await this.signal.listen(vendorId, containerId, (notice) => {
      if (notice.reason !== 'SEAT_QUEUE') return;
      woken = true;
      wake();
    });
    const deadline = Date.now() + Math.max(0, Math.min(waitSeconds, MAX_WAIT_SECONDS)) * 1000;
    try {
      await this.queue.renew(ticketId, containerId);
      let ticket = await this.queue.find(undefined, ticketId, { containerId });
      if (!ticket) throw DomainError.notFound('Seat queue ticket', ticketId);
      while (ticket.status === 'WAITING' && Date.now() < deadline && !cancelled?.aborted) {
        if (!woken) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deadline - Date.now());
            cancelled?.addEventListener('abort', () => resolve(), { once: true });
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        woken = false;
        ticket = (await this.queue.find(undefined, ticketId, { containerId })) ?? ticket;
      }
      return toTicketView(ticket);
    } finally {
      stop();
    }
  }

  /** The program leaves the queue; a seat held for it passes to the next ticket. Idempotent. */
  async cancel(containerId: string, ticketId: string): Promise<QueueTicketView> {
    return this.pg.transaction(async (tx) => {
      const changed = await this.queue.cancel(tx, ticketId, containerId);
      if (changed) await this.outbox.append(tx, ticketEvent('seat.queue_cancelled', changed));
      const ticket = await this.queue.find(tx, ticketId, { containerId });
      if (!ticket) throw DomainError.notFound('Seat queue ticket', ticketId);
      return toTicketView(ticket);
    });
  }

  /**
   * The grant pass of one license: free seats are held for the first waiting tickets, each with
   * a seat.queue_granted event. Safe to run any number of times, concurrently, anywhere.
   */
  async serve(licenseId: string): Promise<number> {
    return this.pg.transaction((tx) => this.grantIn(tx, licenseId));
  }

  /**
   * The worker's periodic pass, across vendors: records lapsed tickets (seat.queue_lapsed, whose
   * reaction serves their license), then serves any license where a ticket waits beside a free seat.
   */
  async sweep(batchSize = 500): Promise<{ lapsed: number; granted: number }> {
    const lapsed = await this.pg.transaction(async (tx) => {
      const rows = await this.queue.lapseDue(tx, batchSize);
      for (const [vendorId, tickets] of groupByVendor(rows)) {
        await this.tenant.run(vendorId, () =>
          this.outbox.append(tx, ...tickets.map((t) => ticketEvent('seat.queue_lapsed', t))),
        );
      }
      return rows.length;
    });
    let granted = 0;
    for (const { vendorId, licenseId } of await this.queue.licensesToServe(batchSize)) {
      granted += await this.tenant.run(vendorId, () => this.serve(licenseId));
    }
    return { lapsed, granted };
  }

  /**
   * Holds free seats for the first waiting tickets whose users may take them, in queue order.
   * Without reservations every ticket may: the first tickets get the free seats at once. With
   * reservations each ticket is admitted by the reservation rule (`ReservationsRepository.seatsOpenTo`,
   * the checkout's, counting the seats this pass already held), under the license's checkout lock:
   * a seat reserved for others is skipped by a ticket, which keeps its place for the next seat open to it.
   * A user refused once stays refused in the pass (holds only ever take seats).
   */
  private async grantIn(tx: SqlExecutor, licenseId: string): Promise<number> {
    await this.queue.lockLicenseQueue(tx, licenseId);
    const reserved = await this.reservations.exist(tx, licenseId);
    if (reserved) await this.reservations.lockForCheckout(tx, licenseId);
    const free = await this.queue.freeSlots(tx, licenseId);
    if (!free.length) return 0;
    const waiting = await this.queue.waiting(tx, licenseId, reserved ? GRANT_SCAN_LIMIT : free.length);
    let granted: ChangedTicket[];
    if (!reserved) {
      granted = await this.queue.hold(
        tx,
        licenseId,
        free.slice(0, waiting.length),
        waiting.map((t) => t.id),
      );
    } else {
      granted = [];
      const refused = new Set<string | null>();
      for (const ticket of waiting) {
        if (granted.length === free.length) break;
        if (refused.has(ticket.userId)) continue;
        if ((await this.reservations.seatsOpenTo(tx, licenseId, ticket.userId)) < 1) {
          refused.add(ticket.userId);
          continue;
        }
        granted.push(...(await this.queue.hold(tx, licenseId, [free[granted.length]], [ticket.id])));
      }
    }
    if (granted.length) await this.outbox.append(tx, ...granted.map((t) => ticketEvent('seat.queue_granted', t)));
    return granted.length;
  }

  private async requireTicket(tx: SqlExecutor, id: string): Promise<TicketRow> {
    const ticket = await this.queue.find(tx, id, {});
    if (!ticket) throw new Error(`seat queue ticket ${id} vanished inside its own transaction`);
    return ticket;
  }
}

/** How many waiting tickets of a license with reservations one grant pass looks at. */
const GRANT_SCAN_LIMIT = 500;

function groupByVendor(rows: ChangedTicket[]): Map<string, ChangedTicket[]> {
  const byVendor = new Map<string, ChangedTicket[]>();
  for (const row of rows) byVendor.set(row.vendorId, [...(byVendor.get(row.vendorId) ?? []), row]);
  return byVendor;
}

/** The outbox event for a change of a ticket (aggregate `seat_queue_ticket`, id = the ticket id). */
function ticketEvent(type: DomainEventInput['type'], ticket: ChangedTicket): DomainEventInput {
  return {
    type,
    aggregateType: 'seat_queue_ticket',
    aggregateId: ticket.id,
    payload: {
      ticketId: ticket.id,
      licenseId: ticket.licenseId,
      containerId: ticket.containerId,
      fingerprint: ticket.fingerprint,
      slot: ticket.heldSlot,
      expiresAt: ticket.expiresAt.toISOString(),
    },
  };
}
