import type { AppUnderTest } from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { AppModule } from '../app.module';

/** The portal as other apps' tests boot it (`startApiApp('portal')` of @leasehold/testing). */
export const APP_UNDER_TEST: AppUnderTest = { module: AppModule, info: PORTAL_API };
