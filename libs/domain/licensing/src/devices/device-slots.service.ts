import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { assertContainerAccess } from '@leasehold/domain-seats';
import { DomainError } from '@leasehold/errors';
import { ContainersRepository, LockedContainer } from '../containers/containers.repository';
import { ActivationResult, DeactivatedBy, DeviceView } from '../licensing.types';
import { DevicesRepository } from './devices.repository';

export type PersonalContainer = LockedContainer & { deviceLimit: number };

// The device limit of personal containers and the activation churn limit live here. Both are
// enforced under a lock on the container row (SELECT … FOR UPDATE): activations and
// deactivations of one container run one after another, on any number of replicas, so "count the
// active devices, then insert" can never let a 4th device in. The same fingerprint activating
// again finds its own active row and is not a second device (and a unique index on
// (containerId, activeFingerprint) backs that up). Online devices (DevicesService) and offline
// ones (OfflineDevicesService) take and give up their slots through these steps alike.

const CHURN_WINDOW_MS = 30 * 24 * 3600 * 1000;

@Injectable()
export class DeviceSlotsService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly containers: ContainersRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
  ) {}

  /** Locks a PERSONAL container (the only kind with a device limit) for an activation. */
  async lockForActivation(tx: TenantTransaction, containerId: string): Promise<PersonalContainer> {
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
   * The device limit. The caller holds the container lock and found no active device for this
   * fingerprint. `beforeInsert` (the offline seat check) runs once the device limit is met, under
   * the same lock.
   */
  async admit(
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
    beforeInsert?: () => Promise<void>,
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
    if (beforeInsert) await beforeInsert();
    const device = await this.devices.insert(tx, data);
    await this.record(tx, 'device.activated', device, container.groupId);
    return { device, created: true };
  }

  /** The strictest `maxDeactivationsPer30Days` of the container's licenses, over a rolling 30 days. */
  async checkChurn(tx: TenantTransaction, containerId: string, now: Date): Promise<void> {
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

  /** Frees the device's slot. The caller holds the container lock (and checked the churn limit where it applies). */
  async deactivateLocked(
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
