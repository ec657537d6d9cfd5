import { get as httpGet, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { UpdateSignal } from '@leasehold/domain-updates';
import { createVendor, expectError } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client-api.fixture';

interface StreamEvent {
  type: string;
  id: string | null;
  data: unknown;
  at: number;
}

/**
 * GET /client/v1/updates/stream read with Node's http client: the events as they arrive, parsed
 * from the text/event-stream framing (comment lines and the blank line after the headers skipped).
 */
function openStream(app: INestApplication, path: string, headers: Record<string, string>) {
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const events: StreamEvent[] = [];
  const waiting: (() => void)[] = [];
  let buffer = '';
  const req = httpGet({ host: '127.0.0.1', port, path, headers: { Accept: 'text/event-stream', ...headers } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  void response.then((res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: StreamEvent = { type: 'message', id: null, data: undefined, at: Date.now() };
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event.type = line.slice(7);
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
        }
        if (event.data !== undefined) events.push(event);
      }
      waiting.splice(0).forEach((wake) => wake());
    });
  });
  let read = 0;
  /** The next event not yet taken; fails after `timeoutMs`. */
  async function next(timeoutMs = 2000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    while (read >= events.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no stream event within ${timeoutMs} ms (got ${JSON.stringify(events)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return events[read++];
  }
  return { response, events, next, close: () => req.destroy() };
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('auto-update triggers (GET /client/v1/updates long-poll, woken through Redis pub/sub)', () => {
  const world = useClientApiWorld(new ClientApiWorld());
  const { http, personalContainer, addLicense } = world;
  // The stream is read with Node's http client (openStream): the app listens on a port.
  beforeAll(() => world.app.listen(0));

  async function containerWithLicense() {
    const c = await personalContainer();
    return { ...c, licenseId: await addLicense(c.containerId) };
  }

  const poll = (device: { Authorization: string }, knownRevision: number, wait: number) =>
    http().get('/client/v1/updates').query({ knownRevision, wait }).set(device);

  it('answers at once when the container revision is above the known one, else after the wait with updateAvailable false', async () => {
    const c = await containerWithLicense();
    expect((await poll(c.device, 0, 25).expect(200)).body).toEqual({
      revision: 1,
      updateAvailable: true,
      reason: 'LICENSE_CHANGED',
    });
    const started = Date.now();
    expect((await poll(c.device, 1, 1).expect(200)).body).toEqual({
      revision: 1,
      updateAvailable: false,
      reason: 'TIMEOUT',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expectError(await poll(c.device, -1, 1), 400, 'VALIDATION_FAILED');
    expectError(await poll(c.device, 1, 26), 400, 'VALIDATION_FAILED');
  });

  describe('the three channels agree (validate/heartbeat updateAvailable, long-poll, stream)', () => {
    const FP = 'sha256:channels-device';
    const validate = async (device: { Authorization: string }, knownRevision: number) =>
      (await http().post('/client/v1/validate').set(device).send({ fingerprint: FP, knownRevision }).expect(200))
        .body as { revision: number; updateAvailable: boolean };
    const beat = async (device: { Authorization: string }, leaseId: string, knownRevision: number) =>
      (await http().post(`/client/v1/seats/${leaseId}/heartbeat`).set(device).send({ knownRevision }).expect(200))
        .body as { revision: number; updateAvailable: boolean };

    /** A container with a license, an activated device and a lease, as a running program has. */
    async function running() {
      const c = await containerWithLicense();
      await http().post('/client/v1/activations').set(c.device).send({ fingerprint: FP, name: 'Laptop' }).expect(201);
      const lease = await http()
        .post('/client/v1/seats/checkout')
        .set(c.device)
        .send({ fingerprint: FP, licenseId: c.licenseId })
        .expect(201);
      return { ...c, leaseId: lease.body.leaseId as string };
    }

    /** What each channel says to a program that knows `known`; the long-poll waits at most 1 s. */
    async function channels(device: { Authorization: string }, leaseId: string, known: number) {
      const started = Date.now();
      const polled = (await poll(device, known, 1).expect(200)).body as {
        revision: number;
        updateAvailable: boolean;
        reason: string;
      };
      const pollMs = Date.now() - started;
      const stream = openStream(world.app, `/client/v1/updates/stream?knownRevision=${known}`, device);
      let streamed: boolean;
      try {
        await stream.next();
        streamed = await stream.next(700).then(
          (e) => e.type === 'update',
          () => false,
        );
      } finally {
        stream.close();
      }
      return {
        validate: await validate(device, known),
        heartbeat: await beat(device, leaseId, known),
        poll: polled,
        pollMs,
        streamed,
      };
    }

    function expectAgree(said: Awaited<ReturnType<typeof channels>>, updateAvailable: boolean, revision: number) {
      expect({
        validate: said.validate.updateAvailable,
        heartbeat: said.heartbeat.updateAvailable,
        poll: said.poll.updateAvailable,
        stream: said.streamed,
        revisions: [said.validate.revision, said.heartbeat.revision, said.poll.revision],
      }).toEqual({
        validate: updateAvailable,
        heartbeat: updateAvailable,
        poll: updateAvailable,
        stream: updateAvailable,
        revisions: [revision, revision, revision],
      });
      // An update is answered at once, not at the end of the wait.
      if (updateAvailable) expect(said.pollMs).toBeLessThan(900);
    }

    it('a knownRevision above the current one: all three say updateAvailable (none waits for TIMEOUT)', async () => {
      const c = await running();
      expectAgree(await channels(c.device, c.leaseId, 7), true, 1);
      expectAgree(await channels(c.device, c.leaseId, 1), false, 1);
    });

    it('a credential reset raises the revision: every channel tells a program that knew the old one', async () => {
      const c = await running();
      const reset = await http()
        .post(`/v1/containers/${c.containerId}/credentials/reset`)
        .set(world.acme.auth)
        .expect(200);
      const device = { Authorization: `Bearer ${reset.body.secret}` };
      const said = await channels(device, c.leaseId, 1);
      expectAgree(said, true, said.validate.revision);
      expect(said.validate.revision).toBeGreaterThan(1);
    });

    it("a device deactivated by the vendor raises the revision: the container's other programs learn of it on every channel", async () => {
      const c = await running();
      const other = await http()
        .post('/client/v1/activations')
        .set(c.device)
        .send({ fingerprint: 'sha256:channels-other', name: 'Desktop' })
        .expect(201);
      await http().post(`/v1/devices/${other.body.id}/deactivate`).set(world.acme.auth).expect(200);
      const said = await channels(c.device, c.leaseId, 1);
      expectAgree(said, true, 2);
    });

    it('"update now" while no program listens is not lost: the next validate, heartbeat, long-poll and stream all say so', async () => {
      const c = await running();
      const now = await http().post(`/v1/containers/${c.containerId}/update-now`).set(world.acme.auth).expect(202);
      expect(now.body.revision).toBeGreaterThan(1);
      expectAgree(await channels(c.device, c.leaseId, 1), true, now.body.revision as number);
      expectAgree(await channels(c.device, c.leaseId, now.body.revision as number), false, now.body.revision as number);
    });
  });

  it('a revision bump reaches a waiting long-poll client in under a second', async () => {
    const c = await containerWithLicense();
    const waiting = poll(c.device, 1, 10).then((res) => ({ res, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the request is now waiting
    const changedAt = Date.now();
    await http()
      .patch(`/v1/licenses/${c.licenseId}`)
      .set(world.acme.auth)
      .send({ features: ['print'] })
      .expect(200);
    const { res, at } = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revision: 2, updateAvailable: true, reason: 'LICENSE_CHANGED' });
    expect(at - changedAt).toBeLessThan(1000);
  });

  it('a change to another license of the container counts too (the container revision is the sum), and suspend/resume raise it', async () => {
    const c = await containerWithLicense();
    const secondId = await addLicense(c.containerId);
    expect((await poll(c.device, 1, 0).expect(200)).body.revision).toBe(2);
    const waiting = poll(c.device, 2, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await http().post(`/v1/licenses/${secondId}/suspend`).set(world.acme.auth).expect(200);
    expect((await waiting).body).toEqual({ revision: 3, updateAvailable: true, reason: 'LICENSE_CHANGED' });
  });

  it('"update now" by the vendor raises the revision and wakes waiting programs at once; other containers keep waiting', async () => {
    const c = await containerWithLicense();
    const other = await containerWithLicense();
    const waiting = poll(c.device, 1, 10).then((res) => ({ res, at: Date.now() }));
    let otherAnswered = false;
    const otherWaiting = poll(other.device, 1, 2).then((res) => {
      otherAnswered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const requestedAt = Date.now();
    const now = await http().post(`/v1/containers/${c.containerId}/update-now`).set(world.acme.auth).expect(202);
    expect(now.body).toEqual({ containerId: c.containerId, revision: 2 });
    const { res, at } = await waiting;
    expect(res.body).toEqual({ revision: 2, updateAvailable: true, reason: 'UPDATE_REQUESTED' });
    expect(at - requestedAt).toBeLessThan(1000);
    expect(otherAnswered).toBe(false);
    expect((await otherWaiting).body.reason).toBe('TIMEOUT');

    const globex = await createVendor(world.app, 'Globex');
    expectError(await http().post(`/v1/containers/${c.containerId}/update-now`).set(globex.auth), 404, 'NOT_FOUND');
  });

  describe('server-sent events (GET /client/v1/updates/stream)', () => {
    const streamPath = (knownRevision: number | string) => `/client/v1/updates/stream?knownRevision=${knownRevision}`;

    it('sends ready, then an update within a second of a license change and of "update now"; hanging up drops the listener', async () => {
      const c = await containerWithLicense();
      const signal = world.app.get(UpdateSignal);
      const stream = openStream(world.app, streamPath(1), c.device);
      const res = await stream.response;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/event-stream');
      try {
        expect(await stream.next()).toMatchObject({ type: 'ready', id: '1', data: { revision: 1 } });
        expect(signal.listenerCount(world.acme.vendor.id, c.containerId)).toBe(1);

        const changedAt = Date.now();
        await http()
          .patch(`/v1/licenses/${c.licenseId}`)
          .set(world.acme.auth)
          .send({ features: ['print'] })
          .expect(200);
        const changed = await stream.next();
        expect(changed).toMatchObject({
          type: 'update',
          id: '2',
          data: { revision: 2, updateAvailable: true, reason: 'LICENSE_CHANGED' },
        });
        expect(changed.at - changedAt).toBeLessThan(1000);

        const requestedAt = Date.now();
        await http().post(`/v1/containers/${c.containerId}/update-now`).set(world.acme.auth).expect(202);
        const requested = await stream.next();
        expect(requested).toMatchObject({
          type: 'update',
          id: '3',
          data: { revision: 3, updateAvailable: true, reason: 'UPDATE_REQUESTED' },
        });
        expect(requested.at - requestedAt).toBeLessThan(1000);

        // the worker's relay announces the same change again: the revision did not move, no event
        await signal.announce({
          vendorId: world.acme.vendor.id,
          containerId: c.containerId,
          reason: 'LICENSE_CHANGED',
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(stream.events).toHaveLength(3);
      } finally {
        stream.close();
      }
      await eventually(() => signal.listenerCount(world.acme.vendor.id, c.containerId) === 0, 2000);
    });

    it('an update at once when the revision is above knownRevision; Last-Event-ID takes its place on reconnect', async () => {
      const c = await containerWithLicense();
      const behind = openStream(world.app, streamPath(0), c.device);
      try {
        expect(await behind.next()).toMatchObject({ type: 'ready', id: '0', data: { revision: 1 } });
        expect(await behind.next()).toMatchObject({
          type: 'update',
          id: '1',
          data: { revision: 1, updateAvailable: true, reason: 'LICENSE_CHANGED' },
        });
      } finally {
        behind.close();
      }
      const resumed = openStream(world.app, streamPath(0), { ...c.device, 'Last-Event-ID': '1' });
      try {
        expect(await resumed.next()).toMatchObject({ type: 'ready', id: '1', data: { revision: 1 } });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(resumed.events).toHaveLength(1);
      } finally {
        resumed.close();
      }
    });

    it('refuses a bad knownRevision (400) or missing credentials (401) with an ordinary error answer', async () => {
      const c = await containerWithLicense();
      for (const query of ['knownRevision=-1', 'knownRevision=1.5', 'knownRevision=x', '', 'knownRevision=1&wait=5']) {
        expectError(await http().get(`/client/v1/updates/stream?${query}`).set(c.device), 400, 'VALIDATION_FAILED');
      }
      expectError(await http().get(streamPath(1)), 401, 'UNAUTHENTICATED');
      expect(world.app.get(UpdateSignal).listenerCount(world.acme.vendor.id, c.containerId)).toBe(0);
    });
  });
});
