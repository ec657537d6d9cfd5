-- DropIndex
DROP INDEX "seat_leases_endedAt_expiresAt_idx";

-- Written by hand (Prisma 6 has no partial index): the live leases, for the lease sweep, which
-- reads their expiry from the table. Neither "expiresAt" nor "lastHeartbeatAt" is in any index of
-- seat_leases, so a heartbeat (which changes only those) can be a HOT update: a new row version on
-- the same page and no index entries, instead of one entry in each of the table's indexes.
CREATE INDEX "seat_leases_live_idx" ON "seat_leases"("vendorId", "id") WHERE "endedAt" IS NULL;

-- Room on each page for the heartbeats' new row versions (HOT needs it on the same page).
ALTER TABLE "seat_leases" SET (fillfactor = 80);
