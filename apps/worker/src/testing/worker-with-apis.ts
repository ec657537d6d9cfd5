import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createTestApp } from '@leasehold/testing';
// End-to-end tests of reactions drive the public routes of license-central and the portal and
// watch the worker react. Test code only; the worker itself never imports an API app.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { LICENSE_CENTRAL_API } from '../../../license-central/src/api-info';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { AppModule as LicenseCentralModule } from '../../../license-central/src/app.module';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { PORTAL_API } from '../../../portal/src/api-info';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { AppModule as PortalModule } from '../../../portal/src/app.module';
import { AppModule } from '../app.module';

export interface WorkerWithApis {
  worker: INestApplication;
  central: INestApplication;
  portal: INestApplication;
  close(): Promise<void>;
}

/** The worker (its outbox relay and queues running) beside license-central and the portal. */
export async function startWorkerWithApis(): Promise<WorkerWithApis> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const worker = moduleRef.createNestApplication({ bufferLogs: true });
  await worker.init();
  const central = await createTestApp(LicenseCentralModule, LICENSE_CENTRAL_API);
  const portal = await createTestApp(PortalModule, PORTAL_API);
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
