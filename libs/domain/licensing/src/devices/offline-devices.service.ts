import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { fingerprintDigest, returnKeyHashOf } from '@leasehold/license-file';
import { ContainersRepository } from '../containers/containers.repository';
import { ActivationResult, DeviceView } from '../licensing.types';
import { DeviceSlotsService } from './device-slots.service';
import { DevicesRepository } from './devices.repository';

// Devices activated and deactivated by offline code exchange (libs/domain/offline), known by
// their fingerprint digest only. They take and give up slots under the same container lock,
// device limit and churn limit as online devices (DeviceSlotsService); what is theirs alone: a
// grant that ends at `offlineUntil`, a seat of the license held for the whole grant, and the
// return key whose hash a release code must prove.

/**
 * What an offline-activated device (known by its fingerprint digest only) stores as its
 * fingerprint. The space keeps it apart from every real fingerprint, which may not contain one.
 */
export const offlineFingerprint = (digest: string): string => `offline ${digest}`;

@Injectable()
export class OfflineDevicesService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly containers: ContainersRepository,
    private readonly slots: DeviceSlotsService,
  ) {}

  /**
   * Offline activation (code exchange), in the caller's transaction so the caller can record the
   * single-use request code in it: the same container lock, device limit and idempotency as
   * `DevicesService.activate`. The device is known by its fingerprint digest only; a device already
   * active online with a fingerprint of that digest is the same device, not a second one. The grant
   * ends at `offlineUntil` (the slot is free then); `returnKeyHash` is what a release code must prove.
   * A renewal (the same offline device again) moves `offlineUntil` and must come with the return
   * key hash it was granted under, so nobody but the program can take the device over.
   */
  async activateOfflineIn(
    tx: TenantTransaction,
    containerId: string,
    command: {
      fingerprintDigest: string;
      name: string;
      offlineUntil?: Date | null;
      returnKeyHash?: string | null;
      /** The license the grant names: a new offline device holds one of its seats for its whole grant. */
      seat?: { licenseId: string; quantity: number };
    },
  ): Promise<ActivationResult> {
    const container = await this.slots.lockForActivation(tx, containerId);
    const existing = await this.findActiveByDigest(tx, containerId, command.fingerprintDigest);
    if (existing && existing.method === 'OFFLINE') {
      const stored = await this.devices.returnKeyHash(tx, existing.id);
      if (stored !== null && stored !== (command.returnKeyHash ?? null)) {
        throw new DomainError(
          'RETURN_PROOF_INVALID',
          'This offline device was activated under another return key; renew it with the same one',
          {
            deviceId: existing.id,
            offlineUntil: existing.offlineUntil?.toISOString() ?? null,
          },
        );
      }
      return { device: await this.devices.renewOffline(tx, existing.id, command.offlineUntil ?? null), created: false };
    }
    if (existing) return { device: existing, created: false };
    const fingerprint = offlineFingerprint(command.fingerprintDigest);
    const { seat } = command;
    return this.slots.admit(
      tx,
      container,
      {
        containerId,
        fingerprint,
        name: command.name,
        platform: null,
        method: 'OFFLINE',
        offlineUntil: command.offlineUntil ?? null,
        returnKeyHash: command.returnKeyHash ?? null,
      },
      seat ? () => this.assertOfflineSeat(tx, containerId, seat) : undefined,
    );
  }

  /**
   * Offline deactivation (a release code), in the caller's transaction. An offline device whose
   * grant is running is freed only against the program's proof: the release code's `returnKey`,
   * whose SHA-256 the activation committed to. By a portal user it counts against the churn limit
   * like any deactivation by the customer; by the vendor it does not.
   */
  async deactivateOfflineIn(
    tx: TenantTransaction,
    containerId: string,
    fingerprintDigest: string,
    by: 'PORTAL_USER' | 'VENDOR_KEY',
    returnKey: string | null = null,
    now = new Date(),
  ): Promise<DeviceView> {
    const container = await this.containers.lock(tx, containerId);
    if (!container) throw DomainError.notFound('Container', containerId);
    await this.devices.lapseOffline(tx, containerId);
    const device = await this.findActiveByDigest(tx, containerId, fingerprintDigest);
    if (!device)
      throw new DomainError('NOT_FOUND', 'No active device with this fingerprint in the container', {
        entity: 'Device',
      });
    if (device.method === 'OFFLINE') {
      const stored = await this.devices.returnKeyHash(tx, device.id);
      if (stored === null || !returnKey || safeHash(returnKey) !== stored) throw offlineHeld(device, stored !== null);
    }
    if (by === 'PORTAL_USER') await this.slots.checkChurn(tx, containerId, now);
    return this.slots.deactivateLocked(tx, device, by, now, container.groupId);
  }

  /**
   * An offline device runs without a lease, so it holds a seat of its license for its whole grant:
   * live leases plus running offline devices never exceed `quantity`. Personal checkouts take the
   * same container lock and count offline devices the same way (SeatCheckoutService).
   */
  private async assertOfflineSeat(
    tx: TenantTransaction,
    containerId: string,
    seat: { licenseId: string; quantity: number },
  ): Promise<void> {
    const now = Date.now();
    const offline = (await this.devices.listActive(tx, containerId)).filter(
      (d) => d.method === 'OFFLINE' && (d.offlineUntil === null || d.offlineUntil.getTime() > now),
    ).length;
    const leased = await this.devices.seatsInUse(tx, seat.licenseId);
    if (offline + leased >= seat.quantity) {
      throw new DomainError(
        'NO_SEAT_AVAILABLE',
        `All ${seat.quantity} seats of the license are in use (online leases and offline devices); release one first`,
        {
          licenseId: seat.licenseId,
          quantity: seat.quantity,
          inUse: offline + leased,
          soonestExpiryAt: null,
          retryAfter: 60,
        },
      );
    }
  }

  /** A personal container has a handful of active devices at most: compare their digests in memory. */
  private async findActiveByDigest(
    tx: TenantTransaction,
    containerId: string,
    digest: string,
  ): Promise<DeviceView | null> {
    const active = await this.devices.listActive(tx, containerId);
    return (
      active.find((d) => d.fingerprint === offlineFingerprint(digest) || fingerprintDigest(d.fingerprint) === digest) ??
      null
    );
  }
}

function safeHash(returnKey: string): string | null {
  try {
    return returnKeyHashOf(returnKey);
  } catch {
    return null;
  }
}

/** An offline device keeps its slot until its grant ends unless its program's release code proves it gave it up. */
export function offlineHeld(device: DeviceView, earlyReleasePossible: boolean): DomainError {
  const message = earlyReleasePossible
    ? "An offline device is freed before its grant ends only by its program's release code (carrying the program's return key)"
    : 'This offline device was activated without a return key: its slot is free when its grant ends';
  return new DomainError('RETURN_PROOF_INVALID', message, {
    deviceId: device.id,
    offlineUntil: device.offlineUntil?.toISOString() ?? null,
    earlyReturnPossible: earlyReleasePossible,
  });
}
