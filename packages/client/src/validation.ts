import { randomBytes } from 'node:crypto';
import { openEnvelope } from '@leasehold/license-file';
import { cacheKey, ClientContext } from './client-context';
import { LeaseholdError } from './errors';
import { isRecord } from './transport';
import type { ValidateBody, ValidationAnswer } from './wire';

// LeaseholdClient.validate: the signed answer checked against the pinned keys, this call's nonce
// and this device; the last good answer kept in the storage to stand in, for the grace period,
// while the server cannot be reached.

/** A validation answer, verified: the fields are the signed payload's, not the clear copy's. */
export type ValidationPayload = Omit<ValidationAnswer, 'envelope'>;
export interface ValidationResult extends ValidationPayload {
  /** True when the server could not be reached and this is the last good answer, within the grace period. */
  fromCache: boolean;
  /** The signed envelope (keep it as proof). */
  envelope: ValidationAnswer['envelope'];
}

export async function validate(
  context: ClientContext,
  input: { feature?: string; product?: string },
): Promise<ValidationResult> {
  const { clock, storage, transport } = context;
  const product = input.product ?? context.options.product;
  const nonce = randomBytes(16).toString('base64url');
  const body: ValidateBody = {
    fingerprint: context.fingerprint,
    nonce,
    ...(input.feature ? { feature: input.feature } : {}),
    ...(product ? { product } : {}),
    ...(context.knownRevision !== undefined ? { knownRevision: context.knownRevision } : {}),
  };
  let answer: ValidationAnswer;
  try {
    answer = (await transport.json<ValidationAnswer>('/client/v1/validate', { method: 'POST', body })).body;
  } catch (error) {
    if (error instanceof LeaseholdError && error.retryable && error.code !== 'NO_SEAT_AVAILABLE')
      return cachedValidation(context, cacheKey('validation', product, input.feature), error);
    throw error;
  }
  const payload = openValidation(context, answer, nonce);
  clock.observe(payload.issuedAt);
  clock.now();
  context.knownRevision = payload.revision;
  if (payload.valid)
    storage.set(cacheKey('validation', product, input.feature), JSON.stringify({ payload, envelope: answer.envelope }));
  return { ...payload, envelope: answer.envelope, fromCache: false };
}

function openValidation(context: ClientContext, answer: ValidationAnswer, nonce: string): ValidationPayload {
  const opened = openEnvelope(answer?.envelope, 'leasehold-validation', context.publicKeys);
  if (!opened.ok)
    throw new LeaseholdError({
      code: 'SIGNATURE_INVALID',
      message: `The validation answer does not verify with the pinned keys (${opened.reason})`,
      details: { reason: opened.reason },
    });
  const payload = opened.payload as ValidationPayload;
  if (
    !isRecord(payload) ||
    payload.nonce !== nonce ||
    payload.fingerprint !== context.fingerprint ||
    typeof payload.issuedAt !== 'string'
  ) {
    throw new LeaseholdError({
      code: 'SIGNATURE_INVALID',
      message: 'The signed validation answer is not the answer to this request (nonce or fingerprint differ)',
    });
  }
  return payload;
}

function cachedValidation(context: ClientContext, key: string, cause: LeaseholdError): ValidationResult {
  const text = context.storage.get(key);
  const grace = (context.options.offlineGraceSeconds ?? 0) * 1000;
  if (!text || grace <= 0) throw cause;
  const cached = JSON.parse(text) as { payload: ValidationPayload; envelope: ValidationAnswer['envelope'] };
  // Re-verify what was stored: the storage is on the user's disk.
  const opened = openEnvelope(cached.envelope, 'leasehold-validation', context.publicKeys);
  if (!opened.ok) throw cause;
  const payload = opened.payload as ValidationPayload;
  const now = context.clock.now(); // CLOCK_TAMPERED if the clock was turned back
  if (now.getTime() >= Date.parse(payload.issuedAt) + grace) throw cause;
  return { ...payload, envelope: cached.envelope, fromCache: true };
}
