import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { assertContainerAccess } from '@leasehold/domain-seats';
import { DomainError } from '@leasehold/errors';
import { fingerprintDigest, returnKeyHashOf } from '@leasehold/license-file';
import { ContainersRepository, LockedContainer } from '../containers/containers.repository';
import {
  ActivateDeviceCommand,
  ContainerScope,
  DeactivatedBy,
  DeviceView,
  isInContainerScope,
} from '../licensing.types';
import { DevicesRepository } from './devices.repository';

type PersonalContainer = LockedContainer & { deviceLimit: number };

// The device limit of personal containers and the activation churn limit live here. Both are
// enforced under a lock on the container row (SELECT … FOR UPDATE): activations and
// deactivations of one container run one after another, on any number of replicas, so "count the
// active devices, then insert" can never let a 4th device in. The same fingerprint activating
// again finds its own active row and is not a second device (and a unique index on
// (containerId, activeFingerprint) backs that up).

const CHURN_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * What an offline-activated device (known by its fingerprint digest only) stores as its
 * fingerprint. The space keeps it apart from every real fingerprint, which may not contain one.
 */
export const offlineFingerprint = (digest: string): string => `offline ${digest}`;

export interface ActivationResult {
  device: DeviceView;
  /** False when this fingerprint was already active (idempotent repeat). */
  created: boolean;
}

@Injectable()
export class DevicesService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly containers: ContainersRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
  ) {}

  async activate(containerId: string, command: ActivateDeviceCommand): Promise<ActivationResult> {
    return this.containers.transaction(async (tx) => {
      const container = await this.lockForActivation(tx, containerId);
      const existing = await this.devices.findActive(tx, containerId, command.fingerprint);
      if (existing) return { device: existing, created: false };
      return this.admit(tx, container, {
        containerId,
        fingerprint: command.fingerprint,
        name: command.name,
        platform: command.platform ?? null,
        method: 'ONLINE',
      });
    });
  }

  /**
   * Offline activation (code exchange), in the caller's transaction so the caller can record the
   * single-use request code in it: the same container lock, device limit and idempotency as
   * `activate`. The device is known by its fingerprint digest only; a device already active
   * online with a fingerprint of that digest is the same device, not a second one. The grant ends
   * at `offlineUntil` (the slot is free then); `returnKeyHash` is what a release code must prove.
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
    const container = await this.lockForActivation(tx, containerId);
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
    return this.admit(
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
      command.seat,
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
    if (by === 'PORTAL_USER') await this.checkChurn(tx, containerId, now);
    return this.deactivateLocked(tx, device, by, now, container.groupId);
  }

  /** Locks a PERSONAL container (the only kind with a device limit) for an activation. */
  private async lockForActivation(tx: TenantTransaction, containerId: string): Promise<PersonalContainer> {
    const container = await this.containers.lock(tx, containerId);
    if (!container) throw DomainError.notFound('Container', containerId);
    if (container.kind !== 'PERSONAL' || container.deviceLimit === null) {
      throw new DomainError(
        'CONTAINER_KIND_MISMATCH',
        'Devices are activated on PERSONAL containers; ENTERPRISE containers hand out seats (checkout)',
        {
          containerId,
          kind: container.kind,
        },
      );
    }
    assertContainerAccess(container);
    return { ...container, deviceLimit: container.deviceLimit };
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

  /** The device limit. The caller holds the container lock and found no active device for this fingerprint. */
  private async admit(
    tx: TenantTransaction,
    container: PersonalContainer,
    data: {
      containerId: string;
      fingerprint: string;
      name: string;
      platform: string | null;
      method: 'ONLINE' | 'OFFLINE';
      offlineUntil?: Date | null;
      returnKeyHash?: string | null;
    },
    seat?: { licenseId: string; quantity: number },
  ): Promise<ActivationResult> {
    let active = await this.devices.listActive(tx, data.containerId);
    // Offline grants that ran out no longer hold a slot: they end now (under the lock, before counting).
    const now = Date.now();
    if (active.some((d) => d.offlineUntil !== null && d.offlineUntil.getTime() <= now)) {
      await this.devices.lapseOffline(tx, data.containerId);
      active = await this.devices.listActive(tx, data.containerId);
    }
    if (active.length >= container.deviceLimit) {
      throw new DomainError(
        'DEVICE_LIMIT_REACHED',
        `The container is active on its maximum of ${container.deviceLimit} devices; deactivate one first`,
        {
          deviceLimit: container.deviceLimit,
          activeDevices: active.map((d) => ({
            id: d.id,
            name: d.name,
            platform: d.platform,
            activatedAt: d.activatedAt,
          })),
        },
      );
    }
    if (seat) await this.assertOfflineSeat(tx, data.containerId, seat);
    const device = await this.devices.insert(tx, data);
    await this.record(tx, 'device.activated', device, container.groupId);
    return { device, created: true };
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

  /**
   * By the program (or a portal user): subject to the churn limit, the strictest
   * `maxDeactivationsPer30Days` among the container's licenses over a rolling 30 days.
   */
  async deactivateByFingerprint(
    containerId: string,
    fingerprint: string,
    by: 'DEVICE' | 'PORTAL_USER',
    now = new Date(),
  ): Promise<DeviceView> {
    return this.containers.transaction(async (tx) => {
      const container = await this.containers.lock(tx, containerId);
      if (!container) throw DomainError.notFound('Container', containerId);
      const device = await this.devices.findActive(tx, containerId, fingerprint);
      if (!device)
        throw new DomainError('NOT_FOUND', 'No active device with this fingerprint in the container', {
          entity: 'Device',
        });
      await this.checkChurn(tx, containerId, now);
      return this.deactivateLocked(tx, device, by, now, container.groupId);
    });
  }

  /**
   * By a portal user (a group admin for their group's containers, a user for their own personal
   * containers): the device is addressed by id, "not found" outside the scope, and the churn limit
   * applies as for the program. The scope is checked under the container lock.
   */
  async deactivateInScope(deviceId: string, scope: ContainerScope, now = new Date()): Promise<DeviceView> {
    const found = await this.devices.findById(deviceId);
    if (!found) throw DomainError.notFound('Device', deviceId);
    return this.containers.transaction(async (tx) => {
      const container = await this.containers.lock(tx, found.containerId);
      if (!container || !isInContainerScope(container, scope)) throw DomainError.notFound('Device', deviceId);
      // Read again under the lock: a competing deactivation may have committed since the look-up.
      await this.devices.lapseOffline(tx, found.containerId);
      const current = await this.devices.findActive(tx, found.containerId, found.fingerprint);
      if (current?.id !== deviceId)
        throw new DomainError('DEVICE_ALREADY_DEACTIVATED', `Device ${deviceId} was already deactivated`, {
          id: deviceId,
        });
      // The program runs offline on its grant: only its release code (with its key) frees the slot early.
      if (current.method === 'OFFLINE')
        throw offlineHeld(current, (await this.devices.returnKeyHash(tx, current.id)) !== null);
      await this.checkChurn(tx, found.containerId, now);
      return this.deactivateLocked(tx, current, 'PORTAL_USER', now, container.groupId);
    });
  }

  /** By the vendor: not subject to the churn limit (and not counted in it). */
  async deactivateById(deviceId: string, now = new Date()): Promise<DeviceView> {
    const found = await this.devices.findById(deviceId);
    if (!found) throw DomainError.notFound('Device', deviceId);
    return this.containers.transaction(async (tx) => {
      const container = await this.containers.lock(tx, found.containerId);
      if (!container) throw DomainError.notFound('Device', deviceId);
      return this.deactivateLocked(tx, found, 'VENDOR_KEY', now, container.groupId);
    });
  }

  async list(
    containerId: string,
    filter: { includeInactive: boolean; take: number; cursor?: string },
    scope: ContainerScope = {},
  ): Promise<DeviceView[]> {
    const container = await this.containers.findById(containerId);
    if (!container || !isInContainerScope(container, scope)) throw DomainError.notFound('Container', containerId);
    return this.devices.list(containerId, filter);
  }

  /** The devices on a user's PERSONAL containers (the user's own devices, for the portal). */
  listOfUser(
    userId: string,
    filter: { includeInactive: boolean; take: number; cursor?: string },
  ): Promise<DeviceView[]> {
    return this.devices.listOfUser(userId, filter);
  }

  /** The strictest `maxDeactivationsPer30Days` of the container's licenses, over a rolling 30 days. */
  private async checkChurn(tx: TenantTransaction, containerId: string, now: Date): Promise<void> {
    const limit = await this.devices.churnLimit(tx, containerId);
    if (limit === null) return;
    const recent = await this.devices.deactivationsSince(tx, containerId, new Date(now.getTime() - CHURN_WINDOW_MS));
    if (recent.length >= limit) {
      const freesAt = recent[recent.length - limit].getTime() + CHURN_WINDOW_MS;
      throw new DomainError('ACTIVATION_CHURN_LIMIT', `At most ${limit} deactivations per 30 days on this container`, {
        limit,
        used: recent.length,
        retryAfter: Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000)),
      });
    }
  }

  private async deactivateLocked(
    tx: TenantTransaction,
    device: DeviceView,
    by: DeactivatedBy,
    now: Date,
    groupId: string | null,
  ): Promise<DeviceView> {
    if (!(await this.devices.deactivate(tx, device.id, by, now))) {
      throw new DomainError('DEVICE_ALREADY_DEACTIVATED', `Device ${device.id} was already deactivated`, {
        id: device.id,
      });
    }
    const after: DeviceView = { ...device, active: false, deactivatedAt: now, deactivatedBy: by };
    // Deactivated by someone other than the program itself (an admin, the vendor): the container's
    // devices learn of it on every update channel (docs/auto-update.md).
    if (by !== 'DEVICE') await this.containers.raiseRevision(tx, device.containerId);
    await this.record(tx, 'device.deactivated', after, groupId);
    return after;
  }

  private async record(
    tx: TenantTransaction,
    type: 'device.activated' | 'device.deactivated',
    device: DeviceView,
    groupId: string | null,
  ): Promise<void> {
    await this.audit.record(tx, { action: type, entityType: 'device', entityId: device.id, groupId, after: device });
    await this.outbox.append(tx, {
      type,
      aggregateType: 'device',
      aggregateId: device.id,
      payload: {
        deviceId: device.id,
        containerId: device.containerId,
        name: device.name,
        deactivatedBy: device.deactivatedBy,
      },
    });
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
function offlineHeld(device: DeviceView, earlyReleasePossible: boolean): DomainError {
  const message = earlyReleasePossible
    ? "An offline device is freed before its grant ends only by its program's release code (carrying the program's return key)"
    : 'This offline device was activated without a return key: its slot is free when its grant ends';
  return new DomainError('RETURN_PROOF_INVALID', message, {
    deviceId: device.id,
    offlineUntil: device.offlineUntil?.toISOString() ?? null,
    earlyReturnPossible: earlyReleasePossible,
  });
}
