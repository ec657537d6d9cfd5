-- AlterTable
ALTER TABLE "licenses" ADD COLUMN     "offlinePeriodDays" INTEGER NOT NULL DEFAULT 30;

-- AlterTable
ALTER TABLE "devices" ADD COLUMN     "offlineUntil" TIMESTAMPTZ(3),
ADD COLUMN     "returnKeyHash" TEXT;

-- AlterTable
ALTER TABLE "seat_leases" ADD COLUMN     "returnKeyHash" TEXT;

-- Offline devices activated before offline periods existed were granted "no end": their slot now
-- frees itself after one default offline period from this migration (the program must renew).
UPDATE "devices" SET "offlineUntil" = now() + interval '30 days'
 WHERE "method" = 'OFFLINE' AND "deactivatedAt" IS NULL AND "offlineUntil" IS NULL;
