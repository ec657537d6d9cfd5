import { createReleaseCode, createRequestCode, verifyResponseCode } from '@leasehold/license-file';
import { createVendor, expectError } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client-api.fixture';

describe('offline activation by code exchange (vendor: POST /v1/containers/{containerId}/offline-activations)', () => {
  const world = useClientApiWorld(new ClientApiWorld());
  const { http, publicKeys, personalContainer, enterpriseContainer, addLicense } = world;
  const DAY = 24 * 3600 * 1000;
  const machine = (n: number | string) => `never-online-machine-${n}-${Math.random().toString(36).slice(2, 8)}`;

  async function personalWithLicense(deviceLimit = 3, license: Record<string, unknown> = {}) {
    const c = await personalContainer({ deviceLimit });
    return { ...c, licenseId: await addLicense(c.containerId, license) };
  }

  const submit = (containerId: string, body: Record<string, unknown>) =>
    http().post(`/v1/containers/${containerId}/offline-activations`).set(world.acme.auth).send(body);

  it('round trip: request code → vendor → response code the program verifies offline; the device counts, is OFFLINE', async () => {
    const expiresAt = new Date(Date.now() + 30 * DAY);
    const c = await personalWithLicense(3, { expiresAt: expiresAt.toISOString() });
    const fingerprint = machine('round-trip');
    const request = createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint });
    // The admin pastes it in lower case without dashes: the server reads it anyway.
    const res = await submit(c.containerId, {
      code: request.code.replace(/-/g, '').toLowerCase(),
      deviceName: 'Test bench 4',
    }).expect(201);
    expect(res.body).toMatchObject({
      kind: 'activate',
      requestCode: request.code,
      licenseId: c.licenseId,
      device: { name: 'Test bench 4', method: 'OFFLINE', active: true },
    });
    expect(res.body.validUntil).toBe(expiresAt.toISOString());

    const verified = verifyResponseCode(res.body.responseCode, {
      publicKeys: await publicKeys(),
      request,
      fingerprint,
    });
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.response).toMatchObject({ kind: 'activate', licenseId: c.licenseId, nonce: request.nonce });
    expect(verified.response.validUntil?.getTime()).toBe(Math.floor(expiresAt.getTime() / 1000) * 1000);
    // Bound to its request and machine.
    expect(
      verifyResponseCode(res.body.responseCode, {
        publicKeys: await publicKeys(),
        request,
        fingerprint: machine('other'),
      }),
    ).toMatchObject({ ok: false, reason: 'WRONG_FINGERPRINT' });
    const other = createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint });
    expect(
      verifyResponseCode(res.body.responseCode, { publicKeys: await publicKeys(), request: other, fingerprint }),
    ).toMatchObject({ ok: false, reason: 'WRONG_REQUEST' });

    const devices = await http().get(`/v1/containers/${c.containerId}/devices`).set(world.acme.auth).expect(200);
    expect(devices.body.data).toEqual([expect.objectContaining({ id: res.body.device.id, method: 'OFFLINE' })]);
  });

  it('single use: the same code again is refused (409), also when sent twice at once; a new code of the same machine is the same device', async () => {
    const c = await personalWithLicense();
    const fingerprint = machine('reuse');
    const { code, returnKey } = createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint });
    const racing = await Promise.all([submit(c.containerId, { code }), submit(c.containerId, { code })]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
    expectError(racing.find((r) => r.status === 409)!, 409, 'OFFLINE_CODE_ALREADY_USED');
    expectError(await submit(c.containerId, { code }), 409, 'OFFLINE_CODE_ALREADY_USED');

    // A renewal by the program reuses its return key (another key is refused: nobody else can take the device over).
    const foreign = createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint });
    expectError(await submit(c.containerId, { code: foreign.code }), 403, 'RETURN_PROOF_INVALID');
    const again = await submit(c.containerId, {
      code: createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint, returnKey }).code,
    }).expect(201);
    expect(again.body.device.id).toBe(racing.find((r) => r.status === 201)!.body.device.id);
    const devices = await http().get(`/v1/containers/${c.containerId}/devices`).set(world.acme.auth).expect(200);
    expect(devices.body.data).toHaveLength(1);
  });

  it('tamper-evident: a changed character fails the checksum (400 with the reason); a code for another container is refused', async () => {
    const c = await personalWithLicense();
    const code = createRequestCode({
      kind: 'activate',
      containerId: c.containerId,
      fingerprint: machine('tamper'),
    }).code;
    const at = code.indexOf('-') + 1;
    const tampered = code.slice(0, at) + (code[at] === 'A' ? 'B' : 'A') + code.slice(at + 1);
    const res = await submit(c.containerId, { code: tampered });
    expectError(res, 400, 'OFFLINE_CODE_INVALID');
    expect(res.body.error.details.reason).toBe('CHECKSUM_MISMATCH');
    expect((await submit(c.containerId, { code: code.slice(0, -3) })).body.error.details.reason).toBe('WRONG_LENGTH');

    const other = await personalWithLicense();
    const wrong = await submit(other.containerId, { code });
    expectError(wrong, 422, 'OFFLINE_CODE_WRONG_CONTAINER');
    expect(wrong.body.error.details.codeContainerId).toBe(c.containerId);
    // Nothing was used up: the code still works on its own container.
    await submit(c.containerId, { code }).expect(201);
  });

  it('counts against the device limit with online devices; a release code frees the slot (and is single-use too)', async () => {
    const c = await personalWithLicense(2);
    await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: 'online-fingerprint-limit', name: 'Online laptop' })
      .expect(201);
    const first = machine('limit-1');
    const firstRequest = createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint: first });
    await submit(c.containerId, { code: firstRequest.code }).expect(201);
    const refusedCode = createRequestCode({
      kind: 'activate',
      containerId: c.containerId,
      fingerprint: machine('limit-2'),
    }).code;
    expectError(await submit(c.containerId, { code: refusedCode }), 409, 'DEVICE_LIMIT_REACHED');
    expectError(
      await http()
        .post('/client/v1/activations')
        .set(c.device)
        .send({ fingerprint: 'online-fingerprint-3', name: 'Third' }),
      409,
      'DEVICE_LIMIT_REACHED',
    );

    // A release code without the program's return key frees nothing (an admin could make that one).
    expectError(
      await submit(c.containerId, { code: createReleaseCode({ containerId: c.containerId, fingerprint: first }).code }),
      403,
      'RETURN_PROOF_INVALID',
    );
    const release = createReleaseCode({
      containerId: c.containerId,
      fingerprint: first,
      returnKey: firstRequest.returnKey,
    }).code;
    const released = await submit(c.containerId, { code: release }).expect(201);
    expect(released.body).toMatchObject({
      kind: 'deactivate',
      responseCode: null,
      device: { active: false, deactivatedBy: 'VENDOR_KEY' },
    });
    expectError(await submit(c.containerId, { code: release }), 409, 'OFFLINE_CODE_ALREADY_USED');
    // A refused code was not used up: once a slot is free it goes through.
    await submit(c.containerId, { code: refusedCode }).expect(201);
  });

  it('refuses activation codes on an ENTERPRISE container; borrow codes take a seat until borrowUntil and a release code returns it', async () => {
    const c = await enterpriseContainer();
    const licenseId = await addLicense(c.containerId, { borrowAllowed: true, maxBorrowDays: 7 });
    const fingerprint = machine('borrow');
    expectError(
      await submit(c.containerId, {
        code: createRequestCode({ kind: 'activate', containerId: c.containerId, fingerprint }).code,
      }),
      409,
      'CONTAINER_KIND_MISMATCH',
    );

    const borrowRequest = createRequestCode({ kind: 'borrow', containerId: c.containerId, fingerprint });
    expectError(await submit(c.containerId, { code: borrowRequest.code }), 400, 'VALIDATION_FAILED');
    expectError(
      await submit(c.containerId, {
        code: borrowRequest.code,
        borrowUntil: new Date(Date.now() + 30 * DAY).toISOString(),
      }),
      422,
      'BORROW_TOO_LONG',
    );
    const borrowUntil = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000);
    const borrowed = await submit(c.containerId, {
      code: borrowRequest.code,
      borrowUntil: borrowUntil.toISOString(),
      deviceName: 'Field laptop',
    }).expect(201);
    expect(borrowed.body).toMatchObject({
      kind: 'borrow',
      licenseId,
      validUntil: borrowUntil.toISOString(),
      leaseId: expect.any(String),
    });
    const verified = verifyResponseCode(borrowed.body.responseCode, {
      publicKeys: await publicKeys(),
      request: borrowRequest,
      fingerprint,
    });
    expect(verified.ok && verified.response).toMatchObject({ kind: 'borrow', validUntil: borrowUntil });

    // The one seat is taken: an online checkout is refused.
    expectError(
      await http()
        .post('/client/v1/seats/checkout')
        .set(c.device)
        .send({ licenseId, fingerprint: 'online-fingerprint-x' }),
      409,
      'NO_SEAT_AVAILABLE',
    );

    expectError(
      await submit(c.containerId, { code: createReleaseCode({ containerId: c.containerId, fingerprint }).code }),
      403,
      'RETURN_PROOF_INVALID',
    );
    const returned = await submit(c.containerId, {
      code: createReleaseCode({ containerId: c.containerId, fingerprint, returnKey: borrowRequest.returnKey }).code,
    }).expect(201);
    expect(returned.body.returnedLeases).toEqual([
      expect.objectContaining({ leaseId: borrowed.body.leaseId, endReason: 'RETURNED' }),
    ]);
    await http()
      .post('/client/v1/seats/checkout')
      .set(c.device)
      .send({ licenseId, fingerprint: 'online-fingerprint-x' })
      .expect(201);
  });

  it("another vendor's container is not found, whatever the code says", async () => {
    const c = await personalWithLicense();
    const globex = await createVendor(world.app, 'Globex');
    const code = createRequestCode({
      kind: 'activate',
      containerId: c.containerId,
      fingerprint: machine('tenant'),
    }).code;
    expectError(
      await http().post(`/v1/containers/${c.containerId}/offline-activations`).set(globex.auth).send({ code }),
      404,
      'NOT_FOUND',
    );
    await submit(c.containerId, { code }).expect(201);
  });
});
