import { MemoryStorage } from '@leasehold/client';
import { sdkWorld } from '../testing/sdk-world';
import { useSdkServer } from './client.fixture';

// A device's own calls through @leasehold/client (the fixture's real license-central): activate,
// validate and deactivate, and offline activation codes whose return key must survive in storage
// until the release code spends it. A validation answer is only worth its signature, so the SDK
// must refuse one that is replayed or verified against another vendor's keys.

describe('@leasehold/client against license-central', () => {
  const server = useSdkServer();
  const { clientFor, keysOf } = server;

  it('fetches the public keys once; activate, validate (signed, verified) and deactivate on a PERSONAL container', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const keys = await keysOf(w);
    expect(Object.keys(keys)).toHaveLength(1);
    const client = await clientFor(w);

    const before = await client.validate();
    expect(before).toMatchObject({
      code: 'DEVICE_NOT_ACTIVATED',
      valid: false,
      fromCache: false,
      fingerprint: client.fingerprint,
    });

    const first = await client.activate({ name: 'QA laptop', platform: 'linux-x64' });
    expect(first).toMatchObject({
      created: true,
      device: { name: 'QA laptop', fingerprint: client.fingerprint, active: true },
    });
    const again = await client.activate({ name: 'QA laptop' });
    expect(again).toMatchObject({ created: false, device: { id: first.device.id } });

    const valid = await client.validate({ feature: 'export-pdf' });
    expect(valid).toMatchObject({
      code: 'VALID',
      valid: true,
      containerId: w.containerId,
      feature: 'export-pdf',
      license: { id: w.licenseId, product: w.productCode },
    });
    expect(client.clock.trustedTime?.toISOString()).toBe(valid.issuedAt);
    expect((await client.validate({ feature: 'not-sold' })).code).toBe('FEATURE_NOT_LICENSED');

    const device = await client.deactivate();
    expect(device).toMatchObject({ id: first.device.id, active: false });
    expect((await client.validate()).code).toBe('DEVICE_NOT_ACTIVATED');
    await expect(client.deactivate()).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('offline codes: the return key is kept in storage, a renewal reuses it, the release code reveals it and frees the slot', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const storage = new MemoryStorage();
    const client = await clientFor(w, { storage });
    const submit = async (code: string) =>
      (
        await w
          .vendorApi()
          .post(`/v1/containers/${w.containerId}/offline-activations`)
          .set(w.vendor.auth)
          .send({ code })
          .expect(201)
      ).body;
    expect(() => client.createReleaseCode({ containerId: w.containerId })).toThrow(
      expect.objectContaining({ code: 'RETURN_KEY_MISSING' }),
    );

    const request = client.createRequestCode({ containerId: w.containerId });
    expect(request).not.toHaveProperty('returnKey');
    const returnKey = storage.get(`offline-return-key.${w.containerId}`);
    expect(returnKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.applyResponseCode((await submit(request.code)).responseCode)).toMatchObject({
      licenseId: w.licenseId,
    });
    // The renewal commits to the same key (the server refuses another one: RETURN_PROOF_INVALID).
    const renewal = client.createRequestCode({ containerId: w.containerId });
    expect(storage.get(`offline-return-key.${w.containerId}`)).toBe(returnKey);
    client.applyResponseCode((await submit(renewal.code)).responseCode);
    expect(client.offlineActivation().licenseId).toBe(w.licenseId);

    // The release code: the activation leaves this machine, the key is revealed once, the slot is free.
    const release = client.createReleaseCode({ containerId: w.containerId });
    expect(() => client.offlineActivation()).toThrow(expect.objectContaining({ code: 'LICENSE_FILE_INVALID' }));
    expect(storage.get(`offline-return-key.${w.containerId}`)).toBeUndefined();
    const freed = await submit(release.code);
    expect([freed.kind, freed.device.active]).toEqual(['deactivate', false]);
    // The slot is free: another machine activates offline on the 1-device container.
    const other = await clientFor(w);
    await submit(other.createRequestCode({ containerId: w.containerId }).code);
  }, 60_000);

  it('refuses a validation answer that is replayed, for another device, or signed by another key', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const client = await clientFor(w);
    await client.activate();
    // A man in the middle answers every request with the first answer it saw.
    let recorded: string | undefined;
    const replaying = await clientFor(w, {
      fingerprint: client.fingerprint,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const text = await response.text();
        recorded ??= text;
        return new Response(recorded, { status: response.status, headers: response.headers });
      },
    });
    expect((await replaying.validate()).code).toBe('VALID');
    await expect(replaying.validate()).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });

    // Keys of another vendor pinned: nothing verifies.
    const other = await sdkWorld(server.app);
    const wrongKeys = await clientFor(w, { fingerprint: client.fingerprint, publicKeys: await keysOf(other) });
    await expect(wrongKeys.validate()).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      details: { reason: 'UNKNOWN_KEY' },
    });
  });
});
