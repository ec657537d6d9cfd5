import { Injectable } from '@nestjs/common';
import { TenantContext } from '@leasehold/db';
import {
  ContainerScope,
  ContainersService,
  DeviceView,
  LicensesService,
  LicenseWithProductView,
  OfflineDevicesService,
  offlineFingerprint,
} from '@leasehold/domain-licensing';
import { EndedLeaseView, SeatCheckoutService, SeatsService } from '@leasehold/domain-seats';
import { SigningKeysService } from '@leasehold/domain-signing';
import { DomainError } from '@leasehold/errors';
import { createResponseCode, OfflineCodeKind, OfflineRequest, parseRequestCode } from '@leasehold/license-file';
import { licenseRefusal } from './license-refusal';
import { OfflineRequestRepository } from './offline-request.repository';

// Offline activation by code exchange (docs/offline-licensing.md). A program that is never online
// shows a request code; a group admin (portal) or the vendor submits it here and carries the
// response code back. Every code is single-use: its nonce is recorded per container under a
// unique index, in the transaction of its effect where there is one. Activations count against
// the device limit in the licensing domain's own rule (OfflineDevicesService, under the container
// lock); borrows take a seat through the seats domain; a release code (kind `deactivate`) frees the
// device's slot (PERSONAL) or returns the seats it borrowed offline (ENTERPRISE).

export interface SubmitOfflineCodeCommand {
  /** The container in the route; the code must name the same one. */
  containerId: string;
  code: string;
  /** Which license the response names, when the container holds several. */
  licenseId?: string;
  product?: string;
  /** Shown in device and session lists (the code carries no name). */
  deviceName?: string;
  /** Required for a borrow code: when the borrowed seat frees itself. */
  borrowUntil?: Date;
  /** A group admin's group: containers of other groups are not found. */
  scope?: ContainerScope;
}

export interface OfflineCodeResult {
  kind: OfflineCodeKind;
  /** The submitted code in canonical form. */
  requestCode: string;
  /** For the program to install (activate, borrow); null for a release code. */
  responseCode: string | null;
  licenseId: string | null;
  /** When the granted activation or borrow ends (null: no end). */
  validUntil: Date | null;
  /** The device activated or deactivated (PERSONAL containers). */
  device: DeviceView | null;
  /** The seat borrowed (borrow) or the seats returned (release on an ENTERPRISE container). */
  leaseId: string | null;
  returnedLeases: EndedLeaseView[];
}

const DAY_MS = 24 * 3600 * 1000;

const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });

@Injectable()
export class OfflineActivationService {
  constructor(
    private readonly tenant: TenantContext,
    private readonly requests: OfflineRequestRepository,
    private readonly containers: ContainersService,
    private readonly licenses: LicensesService,
    private readonly devices: OfflineDevicesService,
    private readonly checkouts: SeatCheckoutService,
    private readonly seats: SeatsService,
    private readonly signingKeys: SigningKeysService,
  ) {}

  async submit(command: SubmitOfflineCodeCommand): Promise<OfflineCodeResult> {
    const parsed = parseRequestCode(command.code);
    if (!parsed.ok) {
      throw new DomainError('OFFLINE_CODE_INVALID', parsed.message, {
        reason: parsed.reason,
        fields: [{ field: 'code', messages: [parsed.message] }],
      });
    }
    const request = parsed.request;
    const container = await this.containers.get(command.containerId, command.scope ?? {});
    if (request.containerId !== container.id) {
      throw new DomainError(
        'OFFLINE_CODE_WRONG_CONTAINER',
        `The code was made for container ${request.containerId}, not ${container.id}`,
        {
          codeContainerId: request.containerId,
        },
      );
    }
    if (request.kind === 'activate') return this.activate(request, command);
    if (request.kind === 'borrow') return this.borrow(request, command);
    return container.kind === 'PERSONAL' ? this.deactivate(request) : this.returnBorrowed(request);
  }

  /**
   * The grant ends after the license's offline period (never later than the license's expiry, and
   * never "no end", also for a perpetual license): the program must come back with a new request
   * code by then, and the device's slot is free from then on.
   */
  private async activate(request: OfflineRequest, command: SubmitOfflineCodeCommand): Promise<OfflineCodeResult> {
    const license = await this.chooseLicense(request.containerId, command);
    const now = Date.now();
    const periodEnd = now + license.offlinePeriodDays * DAY_MS;
    const validUntil = new Date(Math.min(periodEnd, license.expiresAt?.getTime() ?? periodEnd));
    const key = await this.signingKeys.activeKey();
    const device = await this.requests.transaction(async (tx) => {
      // Recorded first: a second submission of this code waits on the unique index and fails.
      const id = await this.requests.record(tx, {
        ...this.recordOf(request, 'ACTIVATE'),
        licenseId: license.id,
        validUntil,
      });
      const { device: activated } = await this.devices.activateOfflineIn(tx, request.containerId, {
        fingerprintDigest: request.fingerprintDigest,
        name: command.deviceName ?? `Offline device ${request.fingerprintDigest.slice(0, 8)}`,
        offlineUntil: validUntil,
        returnKeyHash: request.returnKeyHash ?? null,
        seat: { licenseId: license.id, quantity: license.quantity },
      });
      await this.requests.attach(tx, id, { deviceId: activated.id });
      return activated;
    });
    const responseCode = this.signingKeys.signUsing(key, (privateKey, keyId) =>
      createResponseCode({ request, licenseId: license.id, validUntil, privateKey, keyId }),
    );
    return {
      kind: 'activate',
      requestCode: request.code,
      responseCode,
      licenseId: license.id,
      validUntil,
      device,
      leaseId: null,
      returnedLeases: [],
    };
  }

  /**
   * The seat is taken by the seats domain in its own transaction, then the code is recorded. Two
   * submissions of one code at once take one seat (the same fingerprint checking out again gets
   * its lease back) and one of them gets OFFLINE_CODE_ALREADY_USED.
   */
  private async borrow(request: OfflineRequest, command: SubmitOfflineCodeCommand): Promise<OfflineCodeResult> {
    if (!command.borrowUntil) throw invalid('borrowUntil', 'borrowUntil is required for a borrow code');
    const license = await this.chooseLicense(request.containerId, command);
    await this.refuseUsed(request);
    const key = await this.signingKeys.activeKey();
    const lease = await this.checkouts.checkout({
      containerId: request.containerId,
      license: { licenseId: license.id },
      fingerprint: offlineFingerprint(request.fingerprintDigest),
      clientName: command.deviceName ?? `Offline device ${request.fingerprintDigest.slice(0, 8)}`,
      borrowUntil: command.borrowUntil,
      returnKeyHash: request.returnKeyHash ?? null,
    });
    const validUntil = lease.borrowUntil ?? command.borrowUntil;
    await this.requests.record(undefined, {
      ...this.recordOf(request, 'BORROW'),
      licenseId: license.id,
      leaseId: lease.leaseId,
      validUntil,
    });
    const responseCode = this.signingKeys.signUsing(key, (privateKey, keyId) =>
      createResponseCode({ request, licenseId: license.id, validUntil, privateKey, keyId }),
    );
    return {
      kind: 'borrow',
      requestCode: request.code,
      responseCode,
      licenseId: license.id,
      validUntil,
      device: null,
      leaseId: lease.leaseId,
      returnedLeases: [],
    };
  }

  /**
   * PERSONAL: the release code frees the device's slot, for an offline device only when it reveals
   * the program's return key (a portal user's release counts against the churn limit).
   */
  private async deactivate(request: OfflineRequest): Promise<OfflineCodeResult> {
    const by = this.tenant.actor.type === 'PORTAL_USER' ? 'PORTAL_USER' : 'VENDOR_KEY';
    const device = await this.requests.transaction(async (tx) => {
      const id = await this.requests.record(tx, this.recordOf(request, 'DEACTIVATE'));
      const deactivated = await this.devices.deactivateOfflineIn(
        tx,
        request.containerId,
        request.fingerprintDigest,
        by,
        request.returnKey ?? null,
      );
      await this.requests.attach(tx, id, { deviceId: deactivated.id });
      return deactivated;
    });
    return {
      kind: 'deactivate',
      requestCode: request.code,
      responseCode: null,
      licenseId: null,
      validUntil: null,
      device,
      leaseId: null,
      returnedLeases: [],
    };
  }

  /**
   * ENTERPRISE: the release code returns the seats this device borrowed offline under the return
   * key it reveals (release is idempotent). A live borrowed seat of another key, or of none, stays
   * held: RETURN_PROOF_INVALID, and the code is not used up.
   */
  private async returnBorrowed(request: OfflineRequest): Promise<OfflineCodeResult> {
    await this.refuseUsed(request);
    const leaseIds = await this.requests.borrowedLeases(request.containerId, request.fingerprintDigest);
    if (!leaseIds.length)
      throw new DomainError('NOT_FOUND', 'This device borrowed no seat of the container offline', { entity: 'Lease' });
    const returned: EndedLeaseView[] = [];
    let refused: DomainError | null = null;
    for (const leaseId of leaseIds) {
      try {
        returned.push(await this.seats.release(request.containerId, leaseId, request.returnKey ?? null));
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'RETURN_PROOF_INVALID')) throw error;
        refused ??= error;
      }
    }
    if (refused) throw refused;
    await this.requests.record(undefined, {
      ...this.recordOf(request, 'DEACTIVATE'),
      leaseId: leaseIds[leaseIds.length - 1],
    });
    return {
      kind: 'deactivate',
      requestCode: request.code,
      responseCode: null,
      licenseId: null,
      validUntil: null,
      device: null,
      leaseId: null,
      returnedLeases: returned,
    };
  }

  /** A quick refusal before effects that have their own transaction (the unique index still decides). */
  private async refuseUsed(request: OfflineRequest): Promise<void> {
    if (await this.requests.isUsed(request.containerId, request.nonce)) {
      throw new DomainError(
        'OFFLINE_CODE_ALREADY_USED',
        'This code was already submitted; codes are single-use. Let the program make a new one',
        {
          containerId: request.containerId,
          nonce: request.nonce,
        },
      );
    }
  }

  private recordOf(request: OfflineRequest, kind: 'ACTIVATE' | 'DEACTIVATE' | 'BORROW') {
    const actor = this.tenant.actor;
    return {
      containerId: request.containerId,
      kind,
      nonce: request.nonce,
      fingerprintDigest: request.fingerprintDigest,
      submittedByType: actor.type,
      submittedById: actor.id,
    };
  }

  /** The license the response names: the one given, else the container's only usable one. */
  private async chooseLicense(containerId: string, command: SubmitOfflineCodeCommand): Promise<LicenseWithProductView> {
    const all = await this.licenses.listWithProductByContainers([containerId]);
    const named = command.licenseId
      ? all.filter((l) => l.id === command.licenseId)
      : command.product
        ? all.filter((l) => l.product.code === command.product)
        : all;
    if (!named.length)
      throw DomainError.notFound('License', command.licenseId ?? command.product ?? 'any license of the container');
    const now = new Date();
    const usable = named.filter((l) => !licenseRefusal(l, now));
    if (!usable.length) throw licenseRefusal(named[0], now) as DomainError;
    if (usable.length > 1)
      throw invalid('licenseId', 'The container holds several usable licenses; name one with licenseId');
    return usable[0];
  }
}
