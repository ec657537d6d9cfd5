import { Injectable } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';

// A retried call (same caller, same Idempotency-Key) gets the first call's answer instead of
// acting twice. The unique (scope, key) row is claimed before the handler runs, so two copies of a
// request racing each other cannot both act.

export const IDEMPOTENCY_RETENTION_HOURS = 24;
/** A claim with no stored answer after this long belongs to a request whose process died: it may be taken over. */
export const IDEMPOTENCY_CLAIM_TIMEOUT_MS = 60_000;

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'replay'; statusCode: number; body: unknown }
  | { state: 'in-progress' }
  | { state: 'mismatch' };

@Injectable()
export class IdempotencyService {
  constructor(private readonly prisma: PrismaService) {}

  async claim(
    scope: string,
    key: string,
    requestHash: string,
  ): Promise<IdempotencyClaim> {
    const { count } = await this.prisma.idempotencyRecord.createMany({
      data: [{ scope, key, requestHash }],
      skipDuplicates: true,
    });
    if (count === 1) return { state: 'claimed' };
    const existing = await this.prisma.idempotencyRecord.findUnique({
      where: { scope_key: { scope, key } },
    });
    if (!existing) return this.claim(scope, key, requestHash); // purged in between: try again
    if (existing.requestHash !== requestHash) return { state: 'mismatch' };
    if (existing.statusCode === null) {
      if (
        Date.now() - existing.createdAt.getTime() <
        IDEMPOTENCY_CLAIM_TIMEOUT_MS
      )
        return { state: 'in-progress' };
      // Take over an abandoned claim; the conditional update lets only one of several retries win.
      const { count: taken } = await this.prisma.idempotencyRecord.updateMany({
        where: { scope, key, statusCode: null, createdAt: existing.createdAt },
        data: { createdAt: new Date() },
      });
      return taken === 1 ? { state: 'claimed' } : { state: 'in-progress' };
    }
    return {
      state: 'replay',
      statusCode: existing.statusCode,
      body: existing.responseBody,
    };
  }

  async complete(
    scope: string,
    key: string,
    statusCode: number,
    body: unknown,
  ): Promise<void> {
    await this.prisma.idempotencyRecord.update({
      where: { scope_key: { scope, key } },
      data: {
        statusCode,
        responseBody:
          body === undefined ? undefined : JSON.parse(JSON.stringify(body)),
      },
    });
  }

  /** Forgets a claim whose request failed, so the caller's retry runs again. */
  async release(scope: string, key: string): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({
      where: { scope, key, statusCode: null },
    });
  }

  async purgeExpired(now = new Date()): Promise<number> {
    const { count } = await this.prisma.idempotencyRecord.deleteMany({
      where: {
        createdAt: {
          lt: new Date(now.getTime() - IDEMPOTENCY_RETENTION_HOURS * 3600_000),
        },
      },
    });
    return count;
  }
}
