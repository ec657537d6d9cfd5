import type { ApiInfo } from '@leasehold/http';
import { LICENSE_CENTRAL_OPERATION_IDS } from './operation-ids';

export const LICENSE_CENTRAL_API: ApiInfo = {
  title: 'Leasehold license-central',
  description:
    'The vendor API (`/v1`, vendor API key), the platform operator API (`/operator/v1`, operator token), ' +
    'the client API for licensed programs (`/client/v1`, container secret: activations, validation; public signing keys) ' +
    'and health probes (`/health`). Validation answers HTTP 200 for every validation code (VALID or not) with an ' +
    'Ed25519-signed copy of the answer; see docs/licensing.md.',
  bearerSchemes: {
    'vendor-key': {
      description: 'A vendor API key: `lh_<prefix>_<secret>` (an opaque key, not a JWT).',
      bearerFormat: 'lh_<prefix>_<secret>',
    },
    operator: {
      description: 'The platform operator token (OPERATOR_TOKEN; an opaque string of at least 24 characters).',
      bearerFormat: 'opaque',
    },
    device: {
      description:
        "A container's access secret, presented by the licensed program: `lhc_<prefix>_<secret>` (shown once at creation or reset).",
      bearerFormat: 'lhc_<prefix>_<secret>',
    },
  },
  operationIds: LICENSE_CENTRAL_OPERATION_IDS,
  idempotencyKeys: true,
  servers: [
    { url: 'http://127.0.0.1:3000', description: 'Development (`npm start`); in production, your PUBLIC_BASE_URL' },
  ],
};
