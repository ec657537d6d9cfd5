import { Injectable } from '@nestjs/common';
import { DomainError } from '@leasehold/errors';
import { SigningKeysService } from '@leasehold/domain-signing';
import { licenseUnusable } from '@leasehold/domain-seats';
import { isUpdateAvailable } from '@leasehold/domain-updates';
import { SignedEnvelope } from '@leasehold/license-file';
import { ContainerCredentialsService } from '../credentials/container-credentials.service';
import { DeviceToken } from '../credentials/device-principal';
import { LicenseSeats, ValidationRepository, ValidationRow } from './validation.repository';
import { VALIDATION_ENVELOPE_KIND, ValidateCommand, ValidationCode, ValidationPayload } from './validation.types';
import type { LicenseStatus } from '@leasehold/db';

// Validation answers, for a container (from its credentials) and a device fingerprint, one stable
// code and the license it is about, signed with the vendor's key so the program can keep it. A
// decided answer is HTTP 200 whatever the code: the program needs the signed answer most when it
// is not VALID. When the container has several licenses (of several products, or one product
// twice), the best answer wins: VALID if any license gives it, else the failure closest to VALID.

/**
 * Whether the license's use is counted: ENTERPRISE seats always; a PERSONAL license when its
 * quantity is below the container's active devices (then not every activated device may run at once).
 * Only counted licenses' seats are read (`seatsOf`, ValidationRepository.seats).
 */
function isCounted(row: ValidationRow): boolean {
  return row.kind === 'ENTERPRISE' || (row.quantity ?? 0) < row.activeDevices;
}

/** Per-license checks in order; a license's code is the first that applies (its usability: `licenseUnusable`, libs/domain/seats lease-rules.ts). */
function licenseCode(
  row: ValidationRow,
  seats: LicenseSeats | undefined,
  feature: string | null,
  now: number,
): ValidationCode {
  const unusable = licenseUnusable(
    { status: row.status as LicenseStatus, validFrom: row.validFrom as Date, expiresAt: row.expiresAt },
    new Date(now),
  );
  if (unusable) return unusable;
  if (row.kind === 'PERSONAL' && !row.deviceId) return 'DEVICE_NOT_ACTIVATED';
  if (feature !== null && !(row.features ?? []).includes(feature)) return 'FEATURE_NOT_LICENSED';
  // A counted license is VALID only for a device holding one of its seats.
  if (isCounted(row) && !seats?.leaseHeld) return 'CHECKOUT_REQUIRED';
  return 'VALID';
}

/**
 * Seats of a counted license: leases, and on a PERSONAL container its running offline devices
 * (each holds a seat for its grant, as checkout counts them); `available` is what the seats
 * statement counted by the checkout's rule, less those offline seats.
 */
function availabilityOf(row: ValidationRow, seats: LicenseSeats): ValidationPayload['availability'] {
  const offline = row.kind === 'PERSONAL' ? seats.offlineDevices : 0;
  return {
    quantity: row.quantity as number,
    capacity: seats.capacity,
    inUse: seats.seatsInUse + offline,
    available: Math.max(0, seats.seatsOpen - offline),
  };
}

/** Closeness to VALID, for picking among several licenses (higher is closer). */
const CLOSENESS: ValidationCode[] = [
  'REVOKED',
  'SUSPENDED',
  'EXPIRED',
  'NOT_YET_VALID',
  'DEVICE_NOT_ACTIVATED',
  'FEATURE_NOT_LICENSED',
  'CHECKOUT_REQUIRED',
  'VALID',
];

export interface ValidationAnswer extends ValidationPayload {
  /** The same payload, signed (kind `leasehold-validation`): verify with the vendor's public keys. */
  envelope: SignedEnvelope;
}

@Injectable()
export class ValidationService {
  constructor(
    private readonly validation: ValidationRepository,
    private readonly signingKeys: SigningKeysService,
    private readonly credentials: ContainerCredentialsService,
  ) {}

  /**
   * The secret's vendor (credential_routes, remembered by the process after its first read),
   * then one statement that finds the container by the secret's hash within that vendor and
   * answers. Nothing found: answered as authentication would (401 CREDENTIALS_INVALID / CREDENTIALS_REVOKED); a
   * suspended vendor: 403 VENDOR_SUSPENDED.
   */
  async validate(token: DeviceToken, command: ValidateCommand, now = new Date()): Promise<ValidationAnswer> {
    const route = await this.credentials.issuedRoute(token);
    const rows = await this.validation.load(
      route.vendorId,
      token.credentialHash,
      command.fingerprint,
      command.product ?? null,
    );
    const head = rows[0];
    if (!head) return this.credentials.rejectUnknown(token.credentialHash, route);
    const principal = this.credentials.enter(this.credentials.principalOf(head));
    if (command.user && command.user.vendorId !== principal.vendorId)
      throw new DomainError('TOKEN_INVALID', 'The userToken is not a portal token of this vendor');
    const seats = await this.seatsOf(rows, command);

    const feature = command.feature ?? null;
    let code: ValidationCode;
    let chosen: ValidationRow | null = null;
    if (head.accessRevokedAt) code = head.accessRevokedReason === 'USER_DISABLED' ? 'USER_DISABLED' : 'USER_REMOVED';
    else if (!head.licenseId) code = 'NO_LICENSE';
    else {
      let best = -1;
      code = 'NO_LICENSE';
      for (const row of rows) {
        const rowCode = licenseCode(row, seats.get(row.licenseId as string), feature, now.getTime());
        const rank = CLOSENESS.indexOf(rowCode);
        if (rank > best) {
          best = rank;
          code = rowCode;
          chosen = row;
        }
      }
    }

    const payload: ValidationPayload = {
      code,
      valid: code === 'VALID',
      vendorId: principal.vendorId,
      containerId: principal.containerId,
      fingerprint: command.fingerprint,
      feature,
      nonce: command.nonce ?? null,
      license: chosen?.licenseId
        ? {
            id: chosen.licenseId,
            productId: chosen.productId as string,
            product: chosen.productCode as string,
            features: chosen.features ?? [],
            quantity: chosen.quantity as number,
            status: chosen.status as LicenseStatus,
            validFrom: (chosen.validFrom as Date).toISOString(),
            expiresAt: chosen.expiresAt ? chosen.expiresAt.toISOString() : null,
            revision: chosen.revision as number,
          }
        : null,
      availability:
        chosen?.licenseId && isCounted(chosen) ? availabilityOf(chosen, seats.get(chosen.licenseId)!) : null,
      revision: head.containerRevision,
      updateAvailable: isUpdateAvailable(command.knownRevision, head.containerRevision),
      issuedAt: now.toISOString(),
    };
    const key =
      head.keyId && head.encryptedPrivateKey
        ? { vendorId: principal.vendorId, keyId: head.keyId, encryptedPrivateKey: head.encryptedPrivateKey }
        : // A vendor made before signing keys existed: one extra round trip, once.
          await this.signingKeys.activeKey();
    return { ...payload, envelope: this.signingKeys.signWith(key, VALIDATION_ENVELOPE_KIND, payload) };
  }

  /**
   * The seats of the counted licenses among `rows` (none counted, the common PERSONAL case: no
   * statement), for the container's user on a PERSONAL container, else the program's (userToken).
   */
  private async seatsOf(rows: ValidationRow[], command: ValidateCommand): Promise<Map<string, LicenseSeats>> {
    const head = rows[0];
    if (head.accessRevokedAt) return new Map();
    const counted = rows.filter((row) => row.licenseId && isCounted(row)).map((row) => row.licenseId as string);
    if (counted.length === 0) return new Map();
    const user = head.kind === 'PERSONAL' ? head.containerUserId : (command.user?.id ?? null);
    const seats = await this.validation.seats(head.vendorId, counted, command.fingerprint, user);
    return new Map(seats.map((s) => [s.licenseId, s]));
  }
}
