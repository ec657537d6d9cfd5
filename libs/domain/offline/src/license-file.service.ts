import { Injectable } from '@nestjs/common';
import { assertContainerAccess } from '@leasehold/domain-seats';
import { SigningKeysService } from '@leasehold/domain-signing';
import { DomainError } from '@leasehold/errors';
import { createLicenseFile, LicenseFilePayload } from '@leasehold/license-file';
import { LicenseFileRepository, LicenseFileRow } from './license-file.repository';
import { licenseRefusal } from './license-refusal';

// Signed license files (docs/offline-licensing.md). A file is issued to a device that holds the
// license right now: for a license whose use is counted (ENTERPRISE seats; a PERSONAL license with
// fewer seats than active devices) a device holding a live (or borrowed) seat of it; otherwise
// (PERSONAL, every active device may run) an activated device. Its `refreshBy` is when that hold
// may end: the seat's expiry for a lease (its borrowUntil for a borrowed seat), at most 7 days and
// at most the license's offline period away for a device, never after the license expires. Signed with the vendor's current key; files
// signed by a rotated-out key keep verifying, because the public key list keeps retired keys.

/** How long a file issued to an activated device lasts before the program must fetch a new one. */
export const LICENSE_FILE_REFRESH_MS = 7 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** ENTERPRISE seats, and a PERSONAL license with fewer seats than active devices, are counted. */
function isCounted(row: LicenseFileRow): boolean {
  return row.kind === 'ENTERPRISE' || (row.quantity ?? 0) < row.activeDevices;
}

export interface LicenseFileRequest {
  /** The device principal's vendor and container. */
  vendorId: string;
  containerId: string;
  fingerprint: string;
  /** Product code: needed when the container holds licenses of several products. */
  product?: string;
}

export interface IssuedLicenseFile {
  /** The file as the program stores it (pretty JSON, signed envelope). */
  file: string;
  license: LicenseFilePayload;
  keyId: string;
}

@Injectable()
export class LicenseFileService {
  constructor(
    private readonly files: LicenseFileRepository,
    private readonly signingKeys: SigningKeysService,
  ) {}

  async issue(request: LicenseFileRequest): Promise<IssuedLicenseFile> {
    const rows = await this.files.load(request.containerId, request.fingerprint, request.product ?? null);
    const head = rows[0];
    if (!head) throw DomainError.notFound('Container', request.containerId);
    assertContainerAccess(head);
    const now = head.now;
    const row = this.choose(rows, request, now);
    const refreshBy = this.refreshBy(row, now);

    const payload: LicenseFilePayload = {
      vendorId: request.vendorId,
      vendorName: head.vendorName,
      containerId: request.containerId,
      licenseId: row.licenseId as string,
      productCode: row.productCode as string,
      features: row.features ?? [],
      quantity: row.quantity as number,
      validFrom: (row.validFrom as Date).toISOString(),
      expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
      fingerprint: request.fingerprint,
      issuedAt: now.toISOString(),
      refreshBy: refreshBy.toISOString(),
      revision: row.revision as number,
    };
    const key = await this.signingKeys.activeKey();
    const file = this.signingKeys.signUsing(key, (privateKey, keyId) => createLicenseFile(payload, privateKey, keyId));
    return { file, license: payload, keyId: key.keyId };
  }

  /** The one license the file is for, held by this device, and usable now. */
  private choose(rows: LicenseFileRow[], request: LicenseFileRequest, now: Date): LicenseFileRow {
    const licensed = rows.filter((r) => r.licenseId !== null);
    if (!licensed.length) {
      throw DomainError.notFound('License', request.product ?? 'any license of the container');
    }
    const products = new Set(licensed.map((r) => r.productCode));
    if (products.size > 1) {
      const message = `The container holds licenses of several products (${[...products].join(', ')}); name one with ?product=`;
      throw new DomainError('VALIDATION_FAILED', message, { fields: [{ field: 'product', messages: [message] }] });
    }
    const head = licensed[0];
    if (head.kind === 'PERSONAL' && !head.deviceId) {
      throw new DomainError('DEVICE_NOT_ACTIVATED', 'This device is not activated on the container; activate it first');
    }
    // Of one product's licenses, the one this device holds and that is usable, else the reason.
    const held = licensed.filter((r) => !isCounted(r) || r.leaseId !== null);
    if (!held.length) {
      throw new DomainError(
        'NO_LEASE_HELD',
        'A license whose seats are counted issues a license file only to a device holding a seat; check out (or borrow) first',
      );
    }
    let firstRefusal: DomainError | null = null;
    for (const row of held) {
      const refusal = licenseRefusal({ id: row.licenseId, status: row.status, expiresAt: row.expiresAt }, now);
      if (!refusal) return row;
      firstRefusal ??= refusal;
    }
    throw firstRefusal as DomainError;
  }

  private refreshBy(row: LicenseFileRow, now: Date): Date {
    let until = now.getTime() + Math.min(LICENSE_FILE_REFRESH_MS, (row.offlinePeriodDays ?? 30) * DAY_MS);
    if (isCounted(row) && row.leaseUntil) until = Math.min(until, row.leaseUntil.getTime());
    if (row.expiresAt) until = Math.min(until, row.expiresAt.getTime());
    return new Date(until);
  }
}
