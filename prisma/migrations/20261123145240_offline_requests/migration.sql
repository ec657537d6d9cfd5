-- CreateEnum
CREATE TYPE "OfflineRequestKind" AS ENUM ('ACTIVATE', 'DEACTIVATE', 'BORROW');

-- CreateTable
CREATE TABLE "offline_requests" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "kind" "OfflineRequestKind" NOT NULL,
    "nonce" TEXT NOT NULL,
    "fingerprintDigest" TEXT NOT NULL,
    "licenseId" UUID,
    "deviceId" UUID,
    "leaseId" UUID,
    "validUntil" TIMESTAMPTZ(3),
    "submittedByType" "ActorType" NOT NULL,
    "submittedById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "offline_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "offline_requests_vendorId_containerId_fingerprintDigest_idx" ON "offline_requests"("vendorId", "containerId", "fingerprintDigest");

-- CreateIndex
CREATE UNIQUE INDEX "offline_requests_vendorId_id_key" ON "offline_requests"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "offline_requests_containerId_nonce_key" ON "offline_requests"("containerId", "nonce");

-- AddForeignKey
ALTER TABLE "offline_requests" ADD CONSTRAINT "offline_requests_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
