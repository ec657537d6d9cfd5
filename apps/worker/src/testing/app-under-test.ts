import type { AppUnderTest } from '@leasehold/testing';
import { AppModule } from '../app.module';

/** The worker as other apps' tests boot it (`startWorkerApp()` of @leasehold/testing). */
export const APP_UNDER_TEST: AppUnderTest = { module: AppModule, info: null };
