import type { ApiInfo } from '@leasehold/http';

export const LICENSE_CENTRAL_API: ApiInfo = {
  title: 'Leasehold license-central',
  description:
    'The vendor API (`/v1`, vendor API key), the platform operator API (`/operator/v1`, operator token), ' +
    'the client API for licensed programs (`/client/v1`, container secret: activations, validation; public signing keys) ' +
    'and health probes (`/health`). Validation answers HTTP 200 for every validation code (VALID or not) with an ' +
    'Ed25519-signed copy of the answer; see docs/licensing.md.',
  bearerSchemes: {
    'vendor-key': 'A vendor API key: `lh_<prefix>_<secret>`.',
    operator: 'The platform operator token (OPERATOR_TOKEN).',
    device: "A container's access secret, presented by the licensed program: `lhc_<prefix>_<secret>` (shown once at creation or reset).",
  },
};
