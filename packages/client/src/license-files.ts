import { LicenseFilePayload, LicenseFileVerification, verifyLicenseFile } from '@leasehold/license-file';
import { cacheKey, ClientContext } from './client-context';
import { LeaseholdError } from './errors';
import { errorFromAnswer } from './transport';

// LeaseholdClient's license files for offline use: downloaded and verified with the pinned keys,
// kept in the storage per product, checked again against the guarded clock whenever it is read.

export interface LicenseFileResult {
  /** The file exactly as the server sent it. */
  text: string;
  verification: LicenseFileVerification;
  license?: LicenseFilePayload;
  /** True when the stored copy was used because the server could not be reached. */
  fromStorage: boolean;
}

export async function downloadLicenseFile(
  context: ClientContext,
  input: { product?: string },
): Promise<LicenseFileResult> {
  const { clock, fingerprint, publicKeys } = context;
  const product = input.product ?? context.options.product;
  const answer = await context.transport.raw('/client/v1/license-file', { query: { fingerprint, product } });
  if (answer.status !== 200) throw errorFromAnswer(answer);
  // Integrity first (a far-future instant makes only signature and binding matter), then record
  // the signed issuedAt as trusted time, then check the file against the guarded clock.
  const integrity = verifyLicenseFile(answer.text, { publicKeys, fingerprint, now: new Date(0) });
  if ('license' in integrity && integrity.status !== 'WRONG_FINGERPRINT') clock.observe(integrity.license.issuedAt);
  const verification = verifyLicenseFile(answer.text, { publicKeys, fingerprint, now: clock.now() });
  if (verification.status !== 'VALID') {
    throw new LeaseholdError({
      code: 'LICENSE_FILE_INVALID',
      message: `The downloaded license file does not verify: ${verification.status}`,
      details: { status: verification.status },
    });
  }
  context.storage.set(cacheKey('license-file', product), answer.text);
  return { text: answer.text, verification, license: verification.license, fromStorage: false };
}

export function verifyOffline(context: ClientContext, input: { product?: string }): LicenseFileResult {
  const text = context.storage.get(cacheKey('license-file', input.product ?? context.options.product));
  if (!text)
    throw new LeaseholdError({
      code: 'LICENSE_FILE_INVALID',
      message: 'No license file is stored; download one while online',
      details: { status: 'MISSING' },
    });
  const verification = verifyLicenseFile(text, {
    publicKeys: context.publicKeys,
    fingerprint: context.fingerprint,
    now: context.clock.now(),
  });
  return {
    text,
    verification,
    license: 'license' in verification ? verification.license : undefined,
    fromStorage: true,
  };
}

export async function licenseFile(
  context: ClientContext,
  input: { product?: string; refreshMarginSeconds?: number; force?: boolean },
): Promise<LicenseFileResult> {
  let stored: LicenseFileResult | undefined;
  try {
    stored = verifyOffline(context, input);
  } catch (error) {
    if (!(error instanceof LeaseholdError) || error.code !== 'LICENSE_FILE_INVALID') throw error;
  }
  if (!input.force && stored?.verification.status === 'VALID' && stored.license) {
    const issued = Date.parse(stored.license.issuedAt);
    const refreshBy = Date.parse(stored.license.refreshBy);
    const margin =
      input.refreshMarginSeconds !== undefined ? input.refreshMarginSeconds * 1000 : (refreshBy - issued) / 5;
    if (context.clock.now().getTime() < refreshBy - margin) return stored;
  }
  try {
    return await downloadLicenseFile(context, input);
  } catch (error) {
    if (error instanceof LeaseholdError && error.retryable && stored?.verification.status === 'VALID') return stored;
    throw error;
  }
}
