import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';

// A retried call (same caller, same Idempotency-Key) gets the first call's answer instead of
// acting twice. The unique (scope, key) row is claimed before the handler runs, so two copies of a
// request racing each other cannot both act.

export const IDEMPOTENCY_RETENTION_HOURS = 24;
/** A claim with no stored answer after this long belongs to a request whose process died: it may be taken over. */
export const IDEMPOTENCY_CLAIM_TIMEOUT_MS = 60_000;

// The stored answer is sealed with the platform key (AES-256-GCM): answers such as POST
// /v1/api-keys or a credential reset carry a new secret, and the record lives for 24 hours, so a
// database reader must not find it in plain text. The associated data binds a sealed answer to its
// (scope, key): copied onto another record, it does not open. Stored as `{ "sealed": "v1.<iv>.<tag>.<ciphertext>" }`.
const SEAL_VERSION = 'v1';

function associatedData(scope: string, key: string): Buffer {
  return Buffer.from(`leasehold-idempotency:${scope}:${key}`, 'utf8');
}

export function sealReplay(platformKey: Buffer, scope: string, key: string, body: unknown): { sealed: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', platformKey, iv);
  cipher.setAAD(associatedData(scope, key));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(body ?? null), 'utf8'), cipher.final()]);
  return {
    sealed: [
      SEAL_VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.'),
  };
}

/** The stored answer, opened; `undefined` when it cannot be (another record's, another platform key). */
export function openReplay(platformKey: Buffer, scope: string, key: string, stored: unknown): unknown {
  if (!stored || typeof stored !== 'object' || typeof (stored as { sealed?: unknown }).sealed !== 'string')
    return stored; // stored before sealing
  const [version, iv, tag, ciphertext, ...rest] = (stored as { sealed: string }).sealed.split('.');
  if (version !== SEAL_VERSION || !iv || !tag || ciphertext === undefined || rest.length) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', platformKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(associatedData(scope, key));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return JSON.parse(
      Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8'),
    ) as unknown;
  } catch {
    return undefined;
  }
}

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'replay'; statusCode: number; body: unknown }
  | { state: 'in-progress' }
  | { state: 'mismatch' };

@Injectable()
export class IdempotencyStore {
  private readonly platformKey: Buffer;

  constructor(
    private readonly prisma: PrismaService,
    config: ConfigService,
  ) {
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
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
      if (Date.now() - existing.createdAt.getTime() < IDEMPOTENCY_CLAIM_TIMEOUT_MS) return { state: 'in-progress' };
      // Take over an abandoned claim; the conditional update lets only one of several retries win.
      const { count: taken } = await this.prisma.idempotencyRecord.updateMany({
        where: { scope, key, statusCode: null, createdAt: existing.createdAt },
        data: { createdAt: new Date() },
      });
      return taken === 1 ? { state: 'claimed' } : { state: 'in-progress' };
    }
    const body = openReplay(this.platformKey, scope, key, existing.responseBody);
    // An answer that does not open is not this request's: refuse it as a reused key.
    if (body === undefined && existing.responseBody !== null) return { state: 'mismatch' };
    return { state: 'replay', statusCode: existing.statusCode, body: body ?? null };
  }

  async complete(scope: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.prisma.idempotencyRecord.update({
      where: { scope_key: { scope, key } },
      data: {
        statusCode,
        responseBody: body === undefined ? undefined : sealReplay(this.platformKey, scope, key, body),
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
