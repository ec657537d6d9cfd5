-- CreateEnum
CREATE TYPE "IntegrationKind" AS ENUM ('ERP', 'CRM');

-- CreateEnum
CREATE TYPE "IntegrationStatus" AS ENUM ('ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "InboundEventStatus" AS ENUM ('RECEIVED', 'PROCESSED', 'REJECTED', 'FAILED');

-- CreateEnum
CREATE TYPE "RenewalStatus" AS ENUM ('DUE', 'REQUESTED', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "integrations" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "IntegrationKind" NOT NULL,
    "status" "IntegrationStatus" NOT NULL DEFAULT 'ACTIVE',
    "encryptedSecret" TEXT NOT NULL,
    "secretVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "integrations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbound_events" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "integrationId" UUID NOT NULL,
    "externalEventId" TEXT,
    "dedupKey" TEXT,
    "type" TEXT,
    "payload" JSONB NOT NULL,
    "status" "InboundEventStatus" NOT NULL,
    "errors" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "inbound_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "license_renewals" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "termEnd" TIMESTAMPTZ(3) NOT NULL,
    "policy" "RenewalPolicy" NOT NULL,
    "status" "RenewalStatus" NOT NULL,
    "newExpiresAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastRequestedAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "failureReason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "license_renewals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "license_expiries" (
    "licenseId" UUID NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "vendorId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "license_expiries_pkey" PRIMARY KEY ("licenseId","expiresAt")
);

-- CreateIndex
CREATE INDEX "integrations_vendorId_createdAt_idx" ON "integrations"("vendorId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "integrations_vendorId_id_key" ON "integrations"("vendorId", "id");

-- CreateIndex
CREATE INDEX "inbound_events_vendorId_integrationId_id_idx" ON "inbound_events"("vendorId", "integrationId", "id");

-- CreateIndex
CREATE INDEX "inbound_events_status_receivedAt_idx" ON "inbound_events"("status", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_events_integrationId_dedupKey_key" ON "inbound_events"("integrationId", "dedupKey");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_events_vendorId_id_key" ON "inbound_events"("vendorId", "id");

-- CreateIndex
CREATE INDEX "license_renewals_vendorId_licenseId_termEnd_idx" ON "license_renewals"("vendorId", "licenseId", "termEnd");

-- CreateIndex
CREATE INDEX "license_renewals_status_lastRequestedAt_idx" ON "license_renewals"("status", "lastRequestedAt");

-- CreateIndex
CREATE UNIQUE INDEX "license_renewals_licenseId_termEnd_key" ON "license_renewals"("licenseId", "termEnd");

-- CreateIndex
CREATE UNIQUE INDEX "license_renewals_vendorId_id_key" ON "license_renewals"("vendorId", "id");

-- CreateIndex
CREATE INDEX "license_expiries_vendorId_licenseId_idx" ON "license_expiries"("vendorId", "licenseId");

-- AddForeignKey
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbound_events" ADD CONSTRAINT "inbound_events_vendorId_integrationId_fkey" FOREIGN KEY ("vendorId", "integrationId") REFERENCES "integrations"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "license_renewals" ADD CONSTRAINT "license_renewals_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "license_expiries" ADD CONSTRAINT "license_expiries_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
