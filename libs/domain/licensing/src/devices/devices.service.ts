import { Injectable } from '@nestjs/common';
import { DomainError } from '@leasehold/errors';
import { ContainersRepository } from '../containers/containers.repository';
import {
  ActivateDeviceCommand,
  ActivationResult,
  ContainerScope,
  DeviceView,
  isInContainerScope,
} from '../licensing.types';
import { DeviceSlotsService } from './device-slots.service';
import { DevicesRepository } from './devices.repository';
import { offlineHeld } from './offline-devices.service';

// Devices by their fingerprint: online activation, deactivation (by the program, a portal user or
// the vendor) and the device lists. The device limit and the churn limit they are held to, under
// the container lock, are DeviceSlotsService's; devices activated by offline code exchange are
// OfflineDevicesService's.

@Injectable()
export class DevicesService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly containers: ContainersRepository,
    private readonly slots: DeviceSlotsService,
  ) {}

  async activate(containerId: string, command: ActivateDeviceCommand): Promise<ActivationResult> {
    return this.containers.transaction(async (tx) => {
      const container = await this.slots.lockForActivation(tx, containerId);
      const existing = await this.devices.findActive(tx, containerId, command.fingerprint);
      if (existing) return { device: existing, created: false };
      return this.slots.admit(tx, container, {
        containerId,
        fingerprint: command.fingerprint,
        name: command.name,
        platform: command.platform ?? null,
        method: 'ONLINE',
      });
    });
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
      await this.slots.checkChurn(tx, containerId, now);
      return this.slots.deactivateLocked(tx, device, by, now, container.groupId);
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
      await this.slots.checkChurn(tx, found.containerId, now);
      return this.slots.deactivateLocked(tx, current, 'PORTAL_USER', now, container.groupId);
    });
  }

  /** By the vendor: not subject to the churn limit (and not counted in it). */
  async deactivateById(deviceId: string, now = new Date()): Promise<DeviceView> {
    const found = await this.devices.findById(deviceId);
    if (!found) throw DomainError.notFound('Device', deviceId);
    return this.containers.transaction(async (tx) => {
      const container = await this.containers.lock(tx, found.containerId);
      if (!container) throw DomainError.notFound('Device', deviceId);
      return this.slots.deactivateLocked(tx, found, 'VENDOR_KEY', now, container.groupId);
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
}
