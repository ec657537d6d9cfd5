import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { createTestApp, createVendor, insertGroup, insertUser, TestVendor, uniqueCode } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// A real license-central listening on 127.0.0.1 (port 0) for the SDK, the CLI and the packed
// package, plus a vendor world made through the vendor API. Heartbeat interval and lease TTL are
// set below the API's minimums directly in the database, so the heartbeat loop runs in seconds.

export interface RunningServer {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

export async function startLicenseCentral(): Promise<RunningServer> {
  const app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface SdkWorld {
  vendor: TestVendor;
  vendorId: string;
  productCode: string;
  features: string[];
  containerId: string;
  licenseId: string;
  secret: string;
  /** supertest against the app, with the vendor's key. */
  vendorApi: () => ReturnType<typeof request>;
}

export async function sdkWorld(
  app: INestApplication,
  options: {
    kind?: 'PERSONAL' | 'ENTERPRISE';
    quantity?: number;
    heartbeatIntervalSeconds?: number;
    leaseTtlSeconds?: number;
    borrowAllowed?: boolean;
    features?: string[];
  } = {},
): Promise<SdkWorld> {
  const http = () => request(app.getHttpServer());
  const vendor = await createVendor(app);
  const vendorId = vendor.vendor.id;
  const features = options.features ?? ['export-pdf', 'print'];
  const productCode = uniqueCode('sdk');
  const product = await http()
    .post('/v1/products')
    .set(vendor.auth)
    .send({ code: productCode, name: 'SDK product' })
    .expect(201);
  for (const feature of features)
    await http()
      .post(`/v1/products/${product.body.id}/features`)
      .set(vendor.auth)
      .send({ code: feature, name: feature })
      .expect(201);
  const db = app.get(PrismaService);
  const kind = options.kind ?? 'ENTERPRISE';
  const containerBody =
    kind === 'PERSONAL'
      ? { kind, name: 'Laptop', userId: await insertUser(db, vendorId, null) }
      : { kind, name: 'Central server', groupId: await insertGroup(db, vendorId) };
  const container = await http().post('/v1/containers').set(vendor.auth).send(containerBody).expect(201);
  const license = await http()
    .post(`/v1/containers/${container.body.id}/licenses`)
    .set(vendor.auth)
    .send({
      productId: product.body.id,
      quantity: options.quantity ?? 2,
      features,
      borrowAllowed: options.borrowAllowed ?? false,
    })
    .expect(201);
  if (options.heartbeatIntervalSeconds !== undefined || options.leaseTtlSeconds !== undefined) {
    await db.license.updateMany({
      where: { id: license.body.id },
      data: {
        ...(options.heartbeatIntervalSeconds !== undefined
          ? { heartbeatIntervalSeconds: options.heartbeatIntervalSeconds }
          : {}),
        ...(options.leaseTtlSeconds !== undefined ? { leaseTtlSeconds: options.leaseTtlSeconds } : {}),
      },
    });
  }
  return {
    vendor,
    vendorId,
    productCode,
    features,
    containerId: container.body.id,
    licenseId: license.body.id,
    secret: container.body.secret,
    vendorApi: http,
  };
}

/** Resolves with the first emission of `event` (its arguments), or rejects after `timeoutMs`. */
export function once<T extends unknown[]>(
  emitter: { once(event: string, listener: (...args: T) => void): unknown },
  event: string,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (...args: T) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

const ROOT = join(__dirname, '../../../..');

/** Builds @leasehold/client into `dir` (a complete package directory: dist, package.json, README). */
export async function buildClientPackage(dir: string): Promise<string> {
  await run(process.execPath, [join(ROOT, 'packages/client/scripts/build.mjs'), '--out', dir], { cwd: ROOT });
  return dir;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the server under test lives in this process). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; check?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if ((options.check ?? true) && code !== 0)
        reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`));
      else resolve(result);
    });
  });
}
