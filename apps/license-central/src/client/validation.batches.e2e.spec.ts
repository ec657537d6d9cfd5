import { randomUUID } from 'node:crypto';
import { PgPool, Prisma, TenantContext } from '@leasehold/db';
import {
  DeviceSeatsService,
  DeviceToken,
  generateContainerSecret,
  hashContainerSecret,
  ValidateCommand,
  ValidationService,
} from '@leasehold/domain-licensing';
import { FP, useValidationWorld } from './validation.fixture';

// Validations of one turn of the event loop are read by one statement per vendor
// (ValidationRepository.loadMany). Batched, each must still be answered about its own container,
// device and product, signed for its own vendor, and a secret must find nothing of another's.

describe('validations batched into one statement per vendor', () => {
  const world = useValidationWorld();
  const tokenOf = (device: { Authorization: string }): DeviceToken => ({
    kind: 'device-token',
    credentialHash: hashContainerSecret(device.Authorization.replace(/^Bearer /, '')),
  });
  /** A validation through the service, in a request context of its own, as each HTTP request has. */
  const validate = (device: { Authorization: string }, command: ValidateCommand) =>
    world.app
      .get(TenantContext)
      .run(world.acme.vendor.id, () => world.app.get(ValidationService).validate(tokenOf(device), command));
  /** From now on: the statements on the pool whose text contains `marker` (restore with jest.restoreAllMocks). */
  const statementsContaining = (marker: string) => {
    const statements = jest.spyOn(world.app.get(PgPool).sql, '$queryRaw');
    const textOf = (sql: unknown) => (Array.isArray(sql) ? sql.join('$') : String((sql as Prisma.Sql).text));
    return () => statements.mock.calls.filter(([sql]) => textOf(sql).includes(marker));
  };

  it('the validations of one turn: one statement per vendor, each answered about its own container; a forged secret finds nothing', async () => {
    const a = await world.personalWithLicense();
    const b = await world.personalWithLicense({ features: ['print'] });
    const other = await world.vendorWithLicense();
    // each secret's vendor is known to the process before (credential_routes, read once)
    for (const device of [a.device, b.device, other.container.device]) await world.validate(device);
    const batched = statementsContaining('WITH ORDINALITY AS r("credentialHash"');
    const answers = await Promise.allSettled([
      validate(a.device, { fingerprint: FP }),
      validate(b.device, { fingerprint: FP, feature: 'print' }),
      validate(a.device, { fingerprint: FP, product: 'no-such-product' }),
      validate(a.device, { fingerprint: 'fingerprint-unknown' }),
      validate(other.container.device, { fingerprint: FP }),
      validate(a.device, { fingerprint: FP, feature: 'print' }),
    ]);
    const forged = validate(
      { Authorization: `Bearer ${generateContainerSecret().token}` },
      {
        fingerprint: FP,
      },
    );
    await expect(forged).rejects.toMatchObject({ code: 'CREDENTIALS_INVALID' });
    expect(batched()).toHaveLength(2);
    jest.restoreAllMocks();

    const seen = answers.map((answer) => {
      if (answer.status === 'rejected') throw answer.reason;
      const { code, containerId, vendorId, license } = answer.value;
      return [code, containerId, vendorId, license?.id ?? null];
    });
    const acme = world.acme.vendor.id;
    const theirs = other.vendor.vendor.id;
    expect(seen).toEqual([
      ['VALID', a.containerId, acme, a.licenseId],
      ['VALID', b.containerId, acme, b.licenseId],
      ['NO_LICENSE', a.containerId, acme, null],
      ['DEVICE_NOT_ACTIVATED', a.containerId, acme, a.licenseId],
      ['DEVICE_NOT_ACTIVATED', other.container.containerId, theirs, expect.any(String)],
      ['FEATURE_NOT_LICENSED', a.containerId, acme, a.licenseId],
    ]);
  });

  it('the seats of the counted validations of one turn: one statement, each validation about its own device and license', async () => {
    const e = await world.enterprise(5);
    const small = await world.enterprise(2);
    await world
      .http()
      .post('/client/v1/seats/checkout')
      .set(e.device)
      .send({ licenseId: e.licenseId, fingerprint: FP })
      .expect(201);
    for (const device of [e.device, small.device]) await world.validate(device);
    const seatReads = statementsContaining('AS r("batchKey", "licenseId", fingerprint, "userId")');

    const answers = await Promise.all([
      validate(e.device, { fingerprint: FP }), // holds a seat
      validate(e.device, { fingerprint: 'fingerprint-without-seat' }),
      validate(small.device, { fingerprint: FP }), // the same fingerprint, another container: holds nothing there
      validate(e.device, { fingerprint: FP }),
    ]);
    expect(seatReads()).toHaveLength(1);
    jest.restoreAllMocks();

    expect(answers.map(({ code, license, availability }) => [code, license?.id, availability])).toEqual([
      ['VALID', e.licenseId, { quantity: 5, capacity: 5, inUse: 1, available: 4 }],
      ['CHECKOUT_REQUIRED', e.licenseId, { quantity: 5, capacity: 5, inUse: 1, available: 4 }],
      ['CHECKOUT_REQUIRED', small.licenseId, { quantity: 2, capacity: 2, inUse: 0, available: 2 }],
      ['VALID', e.licenseId, { quantity: 5, capacity: 5, inUse: 1, available: 4 }],
    ]);
  });

  it('secrets new to the process, of two vendors, validated in one turn: one read of their routes, each answered about its own container', async () => {
    const a = await world.personalWithLicense({}, false);
    const b = await world.personalWithLicense({}, false);
    const other = await world.vendorWithLicense();
    // none of these secrets was used yet, so the process has not read their routes
    const routeReads = statementsContaining('FROM credential_routes');
    const validations = [a.device, b.device, other.container.device, a.device].map((device) =>
      validate(device, { fingerprint: FP }),
    );
    const forged = validate({ Authorization: `Bearer ${generateContainerSecret().token}` }, { fingerprint: FP });
    const answers = await Promise.all(validations);
    await expect(forged).rejects.toMatchObject({ code: 'CREDENTIALS_INVALID' });
    const reads = routeReads();
    jest.restoreAllMocks();
    // one read for the five requests: the forged secret has no route, so it was never issued
    expect(reads).toHaveLength(1);
    const hashes = [a, b, other.container].map((c) => tokenOf(c.device).credentialHash);
    expect(reads[0][1]).toEqual(expect.arrayContaining(hashes));
    expect(reads[0][1]).toHaveLength(5);

    expect(answers.map(({ code, containerId, vendorId }) => [code, containerId, vendorId])).toEqual([
      ['DEVICE_NOT_ACTIVATED', a.containerId, world.acme.vendor.id],
      ['DEVICE_NOT_ACTIVATED', b.containerId, world.acme.vendor.id],
      ['DEVICE_NOT_ACTIVATED', other.container.containerId, other.vendor.vendor.id],
      ['DEVICE_NOT_ACTIVATED', a.containerId, world.acme.vendor.id],
    ]);
    // remembered now: validating them again reads no route
    const again = statementsContaining('FROM credential_routes');
    await Promise.all(
      [a.device, b.device, other.container.device].map((device) => validate(device, { fingerprint: FP })),
    );
    expect(again()).toHaveLength(0);
    jest.restoreAllMocks();
  });

  it('a made-up secret costs one route read on every device route, and is refused CREDENTIALS_INVALID', async () => {
    const seats = world.app.get(DeviceSeatsService);
    const forged = tokenOf({ Authorization: `Bearer ${generateContainerSecret().token}` });
    const leaseId = randomUUID();
    const general = jest.fn();
    const attempts: [string, () => Promise<unknown>][] = [
      ['validate', () => world.app.get(ValidationService).validate(forged, { fingerprint: FP })],
      ['heartbeat', () => seats.heartbeat(forged, leaseId)],
      ['release', () => seats.release(forged, leaseId, null)],
      ['checkout', () => seats.checkout(forged, { license: { productCode: 'p' }, fingerprint: FP }, general)],
      ['checkout with a user token', () => seats.checkout(forged, null, general)],
    ];
    for (const [name, attempt] of attempts) {
      const routeReads = statementsContaining('FROM credential_routes');
      const refused = await world.app
        .get(TenantContext)
        .run(world.acme.vendor.id, attempt)
        .catch((e: unknown) => e);
      const reads = routeReads().length;
      jest.restoreAllMocks();
      expect([name, refused]).toEqual([name, expect.objectContaining({ code: 'CREDENTIALS_INVALID' })]);
      expect([name, reads]).toEqual([name, 1]);
    }
    expect(general).not.toHaveBeenCalled();
  });
});
