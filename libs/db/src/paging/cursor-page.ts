/**
 * Prisma arguments for one page of a cursor-paginated list over UUIDv7 ids (which sort by
 * creation time): the rows after `cursor`, oldest first. Callers add `take` (limit + 1; `paginate` in ./pagination does).
 */
export function afterCursor(cursor?: string) {
  return { ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}), orderBy: { id: 'asc' as const } };
}

/** `afterCursor` for a tenant table, whose key is ("vendorId", id): the cursor row is the vendor's. */
export function afterTenantCursor(vendorId: string, cursor?: string) {
  return {
    ...(cursor ? { cursor: { vendorId_id: { vendorId, id: cursor } }, skip: 1 } : {}),
    orderBy: { id: 'asc' as const },
  };
}
