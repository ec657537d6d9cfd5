import type { AppUnderTest } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

/** license-central as other apps' tests boot it (`startApiApp('license-central')` of @leasehold/testing). */
export const APP_UNDER_TEST: AppUnderTest = { module: AppModule, info: LICENSE_CENTRAL_API };
