import { createPersonalContainerViaApi, dbOf } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client-api.fixture';

export const DAY = 24 * 3600 * 1000;

type Device = { Authorization: string };

/**
 * The world the license-edges specs replay their exploits in: the calls a customer makes with a
 * container secret or as the vendor's admin.
 */
export class LicenseEdgesWorld extends ClientApiWorld {
  readonly machine = (n: string) => `machine-${n}-${Math.random().toString(36).slice(2, 10)}`;

  readonly enterprise = async (license: Record<string, unknown> = {}) => {
    const c = await this.enterpriseContainer();
    const licenseId = await this.addLicense(c.containerId, { borrowAllowed: true, maxBorrowDays: 7, ...license });
    return { ...c, licenseId };
  };

  readonly personal = async (license: Record<string, unknown> = {}, deviceLimit = 3) => {
    const c = await createPersonalContainerViaApi(this.http, dbOf(this.app), this.acme, { deviceLimit });
    return { ...c, licenseId: await this.addLicense(c.containerId, license) };
  };

  readonly validate = async (device: Device, fingerprint: string) =>
    (await this.http().post('/client/v1/validate').set(device).send({ fingerprint }).expect(200)).body;
  readonly checkout = (device: Device, body: Record<string, unknown>) =>
    this.http().post('/client/v1/seats/checkout').set(device).send(body);
  readonly licenseFile = (device: Device, fingerprint: string) =>
    this.http().get('/client/v1/license-file').query({ fingerprint }).set(device);
  readonly submit = (containerId: string, body: Record<string, unknown>) =>
    this.http().post(`/v1/containers/${containerId}/offline-activations`).set(this.acme.auth).send(body);
}

/** Boots the world before the describe block's tests and closes it after them. */
export const useLicenseEdgesWorld = (): LicenseEdgesWorld => useClientApiWorld(new LicenseEdgesWorld());
