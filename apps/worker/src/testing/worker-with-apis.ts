import type { INestApplication } from '@nestjs/common';
import { startApiApp, startWorkerApp } from '@leasehold/testing';

// End-to-end tests of reactions drive the public routes of license-central and the portal and
// watch the worker react. The APIs are booted by name (@leasehold/testing, apps-under-test.ts):
// the worker never imports an API app, not even in its tests.

export interface WorkerWithApis {
  worker: INestApplication;
  central: INestApplication;
  portal: INestApplication;
  close(): Promise<void>;
}

/** The worker (its outbox relay and queues running) beside license-central and the portal. */
export async function startWorkerWithApis(): Promise<WorkerWithApis> {
  const worker = await startWorkerApp();
  const central = await startApiApp('license-central');
  const portal = await startApiApp('portal');
  return {
    worker,
    central,
    portal,
    close: async () => {
      await portal.close();
      await central.close();
      await worker.close();
    },
  };
}
