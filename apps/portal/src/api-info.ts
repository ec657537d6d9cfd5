import type { ApiInfo } from '@leasehold/http';

export const PORTAL_API: ApiInfo = {
  title: 'Leasehold portal',
  description: "The customer portal API for the vendors' customers: group admins and members.",
  bearerSchemes: {},
};
