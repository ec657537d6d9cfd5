import { ClientContext } from './client-context';
import { LeaseholdError } from './errors';
import { Lease } from './lease';
import { newReturnKey } from './return-key';
import type { CheckoutBody, JoinSeatQueueBody, LeaseAnswer, SeatQueueTicket } from './wire';

// LeaseholdClient's seats: checkout (waiting in the seat queue if asked), borrow, return and
// release, and the Lease each held seat becomes. A borrowed seat's return key stays in the storage
// (`return-key.<leaseId>`) until the seat is returned or its lease ends.

export type LicenseRef = { product?: string; licenseId?: string };
export type EndedLeaseAnswer = { leaseId: string; endReason: string; endedAt: string };

const returnKeyName = (leaseId: string) => `return-key.${leaseId}`;

export async function checkout(
  context: ClientContext,
  input: LicenseRef & { clientName?: string; releaseOnExit?: boolean },
): Promise<Lease> {
  const body: CheckoutBody = {
    fingerprint: context.fingerprint,
    ...licenseRef(context, input),
    ...(input.clientName ? { clientName: input.clientName } : {}),
  };
  return claim(context, body, input.releaseOnExit);
}

export async function waitForSeat(
  context: ClientContext,
  input: LicenseRef & {
    clientName?: string;
    releaseOnExit?: boolean;
    timeoutMs?: number;
    onQueued?: (ticket: SeatQueueTicket) => void;
  },
): Promise<Lease> {
  const { transport } = context;
  try {
    return await checkout(context, input);
  } catch (error) {
    if (!(error instanceof LeaseholdError) || error.code !== 'NO_SEAT_AVAILABLE') throw error;
  }
  const join: JoinSeatQueueBody = {
    fingerprint: context.fingerprint,
    ...licenseRef(context, input),
    ...(input.clientName ? { clientName: input.clientName } : {}),
  };
  let ticket = (await transport.json<SeatQueueTicket>('/client/v1/seat-queue', { method: 'POST', body: join })).body;
  input.onQueued?.(ticket);
  const deadline = input.timeoutMs === undefined ? Infinity : Date.now() + input.timeoutMs;
  while (ticket.status === 'WAITING') {
    const wait = Math.max(0, Math.min(25, Math.floor((deadline - Date.now()) / 1000)));
    if (wait === 0 && Date.now() >= deadline) {
      await transport.json<SeatQueueTicket>(`/client/v1/seat-queue/${ticket.ticketId}`, { method: 'DELETE' });
      throw new LeaseholdError({
        code: 'SEAT_WAIT_TIMEOUT',
        message: 'No seat was held for this program in time; it left the queue',
        details: { ticketId: ticket.ticketId },
      });
    }
    ticket = (
      await transport.json<SeatQueueTicket>(`/client/v1/seat-queue/${ticket.ticketId}?wait=${wait}`, {
        method: 'GET',
      })
    ).body;
  }
  if (ticket.status !== 'HELD') {
    throw new LeaseholdError({
      code: 'QUEUE_TICKET_ENDED',
      message: `The wait for a seat ended: the ticket is ${ticket.status}`,
      details: { ticketId: ticket.ticketId, status: ticket.status },
    });
  }
  return claim(context, { ...join, ticketId: ticket.ticketId }, input.releaseOnExit);
}

export async function borrow(
  context: ClientContext,
  input: LicenseRef & { until: Date; clientName?: string },
): Promise<Lease> {
  const key = newReturnKey();
  const body: CheckoutBody & { returnKeyHash: string } = {
    fingerprint: context.fingerprint,
    ...licenseRef(context, input),
    ...(input.clientName ? { clientName: input.clientName } : {}),
    borrowUntil: input.until.toISOString(),
    returnKeyHash: key.returnKeyHash,
  };
  const { body: answer } = await context.transport.json<LeaseAnswer>('/client/v1/seats/checkout', {
    method: 'POST',
    body,
  });
  context.storage.set(returnKeyName(answer.leaseId), key.returnKey);
  return lease(context, answer);
}

export async function returnBorrowed(context: ClientContext, leaseId: string): Promise<EndedLeaseAnswer> {
  const returnKey = context.storage.get(returnKeyName(leaseId));
  if (!returnKey)
    throw new LeaseholdError({ code: 'RETURN_KEY_MISSING', message: `No return key is stored for lease ${leaseId}` });
  const { body } = await context.transport.json<EndedLeaseAnswer>(`/client/v1/seats/${leaseId}/release`, {
    method: 'POST',
    body: { returnKey },
  });
  context.storage.delete(returnKeyName(leaseId));
  return body;
}

export async function release(context: ClientContext, leaseId: string): Promise<EndedLeaseAnswer> {
  const returnKey = context.storage.get(returnKeyName(leaseId));
  const { body } = await context.transport.json<EndedLeaseAnswer>(`/client/v1/seats/${leaseId}/release`, {
    method: 'POST',
    ...(returnKey ? { body: { returnKey } } : {}),
  });
  if (returnKey) context.storage.delete(returnKeyName(leaseId));
  return body;
}

/** Checks the seat out (with the queue's ticket, when waited for) and starts its Lease. */
async function claim(context: ClientContext, body: CheckoutBody, releaseOnExit: boolean | undefined): Promise<Lease> {
  const { body: answer } = await context.transport.json<LeaseAnswer>('/client/v1/seats/checkout', {
    method: 'POST',
    body,
  });
  const held = lease(context, answer);
  if (releaseOnExit) held.releaseOnExit();
  return held;
}

function lease(context: ClientContext, answer: LeaseAnswer): Lease {
  const { storage, transport } = context;
  return new Lease(answer, {
    transport,
    knownRevision: context.knownRevision,
    jitter: context.options.heartbeat?.jitter,
    backoffMs: context.options.heartbeat?.backoffMs,
    releaseBody: (leaseId) => {
      const returnKey = storage.get(returnKeyName(leaseId));
      return returnKey ? { returnKey } : undefined;
    },
    onEnded: (leaseId) => storage.delete(returnKeyName(leaseId)),
    borrow: async (held, until) => {
      const key = newReturnKey();
      const { body } = await transport.json<LeaseAnswer>(`/client/v1/seats/${held.id}/borrow`, {
        method: 'POST',
        body: { borrowUntil: until.toISOString(), returnKeyHash: key.returnKeyHash },
      });
      storage.set(returnKeyName(held.id), key.returnKey);
      return body;
    },
  });
}

function licenseRef(context: ClientContext, input: LicenseRef): { licenseId: string } | { product: string } {
  if (input.licenseId) return { licenseId: input.licenseId };
  const product = input.product ?? context.options.product;
  if (!product)
    throw new LeaseholdError({
      code: 'USAGE',
      message: 'Name the license: product (or licenseId), here or in the client options',
    });
  return { product };
}
