-- Written by hand (Prisma 6 has no partial index). The partial index of live leases, keyed by
-- (vendor, license, fingerprint) instead of (vendor, id): the device's live lease of a license
-- (checkout, validation, license file: `liveLeasesOfDevice`) is then one exact index lookup.
-- Before, the planner combined two indexes of the whole lease history in a BitmapAnd, one of them
-- ("licenseId", "endedAt") over every entry of the license's leases that were live once: a release
-- is not a HOT update, so each released lease left its "endedAt" IS NULL entry behind until a
-- vacuum, and bitmap scans never mark such entries dead. Under checkout and release churn that
-- range grew to thousands of entries per lookup (docs/benchmarks.md, seventh session).
-- Lookups by id ("vendorId", id, "endedAt" IS NULL) use the primary key; the lease sweep and a
-- vendor's sessions read this index whole or by vendor, as before. Still no "expiresAt" or
-- "lastHeartbeatAt" in it: heartbeats stay HOT updates.
DROP INDEX "seat_leases_live_idx";
CREATE INDEX "seat_leases_live_idx" ON "seat_leases"("vendorId", "licenseId", "fingerprint") WHERE "endedAt" IS NULL;
