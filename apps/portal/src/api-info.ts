import type { ApiInfo } from '@leasehold/http';
import { PORTAL_OPERATION_IDS } from './operation-ids';

export const PORTAL_API: ApiInfo = {
  title: 'Leasehold portal',
  description:
    "The customer portal API for the vendors' customers: group admins and members. Log in with " +
    '`POST /v1/auth/login` (`{ vendor, email, password }`) and send the access token as `Authorization: Bearer <token>`; ' +
    'renew it with the single-use refresh token at `POST /v1/auth/refresh`.',
  bearerSchemes: {
    'portal-jwt': {
      description:
        'A portal access token (JWT, about 15 minutes) from /v1/auth/login, /v1/auth/refresh or /v1/auth/invitations/accept. ' +
        'It stops working at once when the user is removed from their group, disabled, or resets their password (TOKEN_REVOKED).',
      bearerFormat: 'JWT',
    },
  },
  operationIds: PORTAL_OPERATION_IDS,
  servers: [{ url: 'http://127.0.0.1:3001', description: 'Development (`npm start`); in production, your portal URL' }],
};
