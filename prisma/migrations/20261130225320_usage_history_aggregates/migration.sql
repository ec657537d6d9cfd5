-- AlterTable
ALTER TABLE "license_usage_hours" ADD COLUMN     "aggregatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "distinctDevices" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "distinctUsers" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "seatMinutes" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "sessionsStarted" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "license_usage_days" (
    "licenseId" UUID NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "vendorId" UUID NOT NULL,
    "denials" INTEGER NOT NULL DEFAULT 0,
    "peakSeats" INTEGER NOT NULL DEFAULT 0,
    "seatMinutes" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "sessionsStarted" INTEGER NOT NULL DEFAULT 0,
    "distinctUsers" INTEGER NOT NULL DEFAULT 0,
    "distinctDevices" INTEGER NOT NULL DEFAULT 0,
    "aggregatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "license_usage_days_pkey" PRIMARY KEY ("licenseId","day")
);

-- CreateTable
CREATE TABLE "usage_aggregation_state" (
    "name" TEXT NOT NULL,
    "aggregatedUntil" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_aggregation_state_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "license_usage_days_vendorId_day_idx" ON "license_usage_days"("vendorId", "day");

-- CreateIndex
CREATE UNIQUE INDEX "license_usage_days_vendorId_licenseId_day_key" ON "license_usage_days"("vendorId", "licenseId", "day");

-- CreateIndex
CREATE INDEX "seat_leases_vendorId_licenseId_id_idx" ON "seat_leases"("vendorId", "licenseId", "id");

-- CreateIndex
CREATE INDEX "seat_leases_vendorId_userId_id_idx" ON "seat_leases"("vendorId", "userId", "id");

-- CreateIndex
CREATE INDEX "seat_leases_vendorId_deviceId_id_idx" ON "seat_leases"("vendorId", "deviceId", "id");

-- CreateIndex
CREATE INDEX "seat_leases_vendorId_fingerprint_id_idx" ON "seat_leases"("vendorId", "fingerprint", "id");

-- CreateIndex
CREATE INDEX "seat_leases_startedAt_idx" ON "seat_leases"("startedAt");

-- AddForeignKey
ALTER TABLE "license_usage_days" ADD CONSTRAINT "license_usage_days_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Lease history: a PERSONAL lease names the container's user (checkout has written it since
-- issue 9); older rows get it here, so "leases of a user" is one indexed column (docs/usage.md).
UPDATE "seat_leases" l SET "userId" = c."userId"
  FROM "containers" c
 WHERE c.id = l."containerId" AND c.kind = 'PERSONAL' AND l."userId" IS NULL AND c."userId" IS NOT NULL;
