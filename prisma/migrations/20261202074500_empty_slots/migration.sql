-- Written by hand (Prisma 6 has no partial index). The empty slots of a license, in slot order: a
-- batch of common checkouts takes the lowest empty slots from here (claimsSql) instead of reading
-- the license's slots in order past every occupied one, which cost the claiming statement about
-- 0.9 ms per 1,000 seats in use (docs/benchmarks.md, twelfth session).
-- The price: a claim or a release changes "leaseId", which this index's condition names, so those
-- are no longer HOT updates of the slot. Heartbeats change only "expiresAt" and stay HOT.
CREATE INDEX "seat_slots_empty_idx" ON "seat_slots"("vendorId", "licenseId", "slot") WHERE "leaseId" IS NULL;
