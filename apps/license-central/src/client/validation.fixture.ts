import { createPersonalContainerViaApi, createProductViaApi, createVendor, dbOf } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client-api.fixture';

/** The fingerprint the validation specs' programs run on. */
export const FP = 'fingerprint-validation-1';

/** Acme's containers and licenses as the validation specs ask POST /client/v1/validate about them. */
export class ValidationWorld extends ClientApiWorld {
  readonly personalWithLicense = async (license: Record<string, unknown> = {}, activate = true) => {
    const c = await createPersonalContainerViaApi(this.http, dbOf(this.app), this.acme);
    const licenseId = await this.addLicense(c.containerId, { features: ['export-pdf'], ...license });
    if (activate)
      await this.http()
        .post('/client/v1/activations')
        .set(c.device)
        .send({ fingerprint: FP, name: 'Laptop' })
        .expect(201);
    return { ...c, licenseId };
  };

  /** An ENTERPRISE container of a new group of Acme's, with one license of `quantity` seats. */
  readonly enterprise = async (quantity: number) => {
    const e = await this.enterpriseContainer();
    return { ...e, licenseId: await this.addLicense(e.containerId, { quantity }) };
  };

  /** A vendor other than Acme: a product, and a PERSONAL container with one license of it (no device activated). */
  readonly vendorWithLicense = async (name?: string) => {
    const vendor = await createVendor(this.app, name);
    const p = await createProductViaApi(this.http, vendor);
    const container = await createPersonalContainerViaApi(this.http, dbOf(this.app), vendor);
    await this.http()
      .post(`/v1/containers/${container.containerId}/licenses`)
      .set(vendor.auth)
      .send({ productId: p.productId, quantity: 1 })
      .expect(201);
    return { vendor, container };
  };

  readonly validate = async (device: { Authorization: string }, body: Record<string, unknown> = {}) => {
    const res = await this.http()
      .post('/client/v1/validate')
      .set(device)
      .send({ fingerprint: FP, ...body });
    expect(res.status).toBe(200);
    return res.body;
  };
}

/** Boots the world before the describe block's tests and closes it after them. */
export const useValidationWorld = (): ValidationWorld => useClientApiWorld(new ValidationWorld());
