-- CreateEnum
CREATE TYPE "GroupRole" AS ENUM ('ADMIN', 'MEMBER');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('INVITED', 'ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "UserTokenPurpose" AS ENUM ('INVITATION', 'PASSWORD_RESET');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('VENDOR_KEY', 'PORTAL_USER', 'OPERATOR', 'DEVICE', 'SYSTEM');

-- CreateEnum
CREATE TYPE "ContainerKind" AS ENUM ('PERSONAL', 'ENTERPRISE');

-- CreateEnum
CREATE TYPE "LicenseStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'REVOKED');

-- CreateEnum
CREATE TYPE "RenewalPolicy" AS ENUM ('AUTO', 'ERP', 'NONE');

-- CreateEnum
CREATE TYPE "ActivationMethod" AS ENUM ('ONLINE', 'OFFLINE');

-- CreateEnum
CREATE TYPE "LeaseEndReason" AS ENUM ('RELEASED', 'EXPIRED', 'STOPPED', 'RETURNED', 'USER_REMOVED', 'LICENSE_CHANGED');

-- CreateTable
CREATE TABLE "groups" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "externalId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "UserStatus" NOT NULL DEFAULT 'ACTIVE',
    "passwordHash" TEXT,
    "groupId" UUID,
    "role" "GroupRole",
    "tokenVersion" INTEGER NOT NULL DEFAULT 0,
    "externalId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "familyId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_tokens" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "purpose" "UserTokenPurpose" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdByUserId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entries" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT,
    "groupId" UUID,
    "before" JSONB,
    "after" JSONB,
    "requestId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "domain_events" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "aggregateType" TEXT NOT NULL,
    "aggregateId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "domain_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "keyId" TEXT NOT NULL,
    "publicKeyPem" TEXT NOT NULL,
    "encryptedPrivateKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "purchases" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "productId" UUID NOT NULL,
    "seats" INTEGER NOT NULL,
    "externalId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "purchases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "containers" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "kind" "ContainerKind" NOT NULL,
    "name" TEXT NOT NULL,
    "userId" UUID,
    "groupId" UUID,
    "deviceLimit" INTEGER NOT NULL DEFAULT 3,
    "credentialHash" TEXT NOT NULL,
    "credentialPrefix" TEXT NOT NULL,
    "credentialVersion" INTEGER NOT NULL DEFAULT 1,
    "externalId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "containers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "licenses" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "productId" UUID NOT NULL,
    "purchaseId" UUID,
    "features" TEXT[],
    "quantity" INTEGER NOT NULL,
    "validFrom" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3),
    "status" "LicenseStatus" NOT NULL DEFAULT 'ACTIVE',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "leaseTtlSeconds" INTEGER NOT NULL DEFAULT 3600,
    "heartbeatIntervalSeconds" INTEGER NOT NULL DEFAULT 300,
    "borrowAllowed" BOOLEAN NOT NULL DEFAULT false,
    "maxBorrowDays" INTEGER NOT NULL DEFAULT 7,
    "maxDeactivationsPer30Days" INTEGER NOT NULL DEFAULT 5,
    "renewalPolicy" "RenewalPolicy" NOT NULL DEFAULT 'NONE',
    "renewalTermDays" INTEGER,
    "externalId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "licenses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seat_slots" (
    "licenseId" UUID NOT NULL,
    "slot" INTEGER NOT NULL,
    "vendorId" UUID NOT NULL,
    "leaseId" UUID,
    "expiresAt" TIMESTAMPTZ(3),

    CONSTRAINT "seat_slots_pkey" PRIMARY KEY ("licenseId","slot")
);

-- CreateTable
CREATE TABLE "devices" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "activeFingerprint" TEXT,
    "name" TEXT NOT NULL,
    "platform" TEXT,
    "method" "ActivationMethod" NOT NULL DEFAULT 'ONLINE',
    "activatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3),
    "deactivatedAt" TIMESTAMPTZ(3),
    "deactivatedBy" "ActorType",

    CONSTRAINT "devices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seat_leases" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "slot" INTEGER NOT NULL,
    "deviceId" UUID,
    "fingerprint" TEXT NOT NULL,
    "clientName" TEXT,
    "userId" UUID,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastHeartbeatAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "borrowUntil" TIMESTAMPTZ(3),
    "endedAt" TIMESTAMPTZ(3),
    "endReason" "LeaseEndReason",

    CONSTRAINT "seat_leases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "license_usage_hours" (
    "licenseId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "vendorId" UUID NOT NULL,
    "denials" INTEGER NOT NULL DEFAULT 0,
    "peakSeats" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "license_usage_hours_pkey" PRIMARY KEY ("licenseId","hour")
);

-- CreateIndex
CREATE INDEX "groups_vendorId_name_idx" ON "groups"("vendorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "groups_vendorId_id_key" ON "groups"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "groups_vendorId_externalId_key" ON "groups"("vendorId", "externalId");

-- CreateIndex
CREATE INDEX "users_vendorId_groupId_idx" ON "users"("vendorId", "groupId");

-- CreateIndex
CREATE UNIQUE INDEX "users_vendorId_email_key" ON "users"("vendorId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "users_vendorId_id_key" ON "users"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "users_vendorId_externalId_key" ON "users"("vendorId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_tokenHash_key" ON "refresh_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "refresh_tokens_vendorId_userId_idx" ON "refresh_tokens"("vendorId", "userId");

-- CreateIndex
CREATE INDEX "refresh_tokens_familyId_idx" ON "refresh_tokens"("familyId");

-- CreateIndex
CREATE UNIQUE INDEX "user_tokens_tokenHash_key" ON "user_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "user_tokens_vendorId_userId_purpose_idx" ON "user_tokens"("vendorId", "userId", "purpose");

-- CreateIndex
CREATE INDEX "audit_entries_vendorId_createdAt_idx" ON "audit_entries"("vendorId", "createdAt");

-- CreateIndex
CREATE INDEX "audit_entries_vendorId_entityType_entityId_idx" ON "audit_entries"("vendorId", "entityType", "entityId");

-- CreateIndex
CREATE INDEX "audit_entries_vendorId_actorType_actorId_idx" ON "audit_entries"("vendorId", "actorType", "actorId");

-- CreateIndex
CREATE INDEX "audit_entries_vendorId_groupId_createdAt_idx" ON "audit_entries"("vendorId", "groupId", "createdAt");

-- CreateIndex
CREATE INDEX "domain_events_publishedAt_id_idx" ON "domain_events"("publishedAt", "id");

-- CreateIndex
CREATE INDEX "domain_events_vendorId_type_createdAt_idx" ON "domain_events"("vendorId", "type", "createdAt");

-- CreateIndex
CREATE INDEX "domain_events_vendorId_aggregateType_aggregateId_idx" ON "domain_events"("vendorId", "aggregateType", "aggregateId");

-- CreateIndex
CREATE INDEX "signing_keys_vendorId_createdAt_idx" ON "signing_keys"("vendorId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_vendorId_keyId_key" ON "signing_keys"("vendorId", "keyId");

-- CreateIndex
CREATE INDEX "purchases_vendorId_groupId_idx" ON "purchases"("vendorId", "groupId");

-- CreateIndex
CREATE UNIQUE INDEX "purchases_vendorId_id_key" ON "purchases"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "purchases_vendorId_externalId_key" ON "purchases"("vendorId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "containers_credentialHash_key" ON "containers"("credentialHash");

-- CreateIndex
CREATE INDEX "containers_vendorId_groupId_idx" ON "containers"("vendorId", "groupId");

-- CreateIndex
CREATE INDEX "containers_vendorId_userId_idx" ON "containers"("vendorId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "containers_vendorId_id_key" ON "containers"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "containers_vendorId_externalId_key" ON "containers"("vendorId", "externalId");

-- CreateIndex
CREATE INDEX "licenses_vendorId_containerId_idx" ON "licenses"("vendorId", "containerId");

-- CreateIndex
CREATE INDEX "licenses_expiresAt_idx" ON "licenses"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "licenses_vendorId_id_key" ON "licenses"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "licenses_vendorId_externalId_key" ON "licenses"("vendorId", "externalId");

-- CreateIndex
CREATE INDEX "seat_slots_vendorId_idx" ON "seat_slots"("vendorId");

-- CreateIndex
CREATE INDEX "devices_vendorId_containerId_deactivatedAt_idx" ON "devices"("vendorId", "containerId", "deactivatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "devices_vendorId_id_key" ON "devices"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "devices_containerId_activeFingerprint_key" ON "devices"("containerId", "activeFingerprint");

-- CreateIndex
CREATE INDEX "seat_leases_licenseId_endedAt_idx" ON "seat_leases"("licenseId", "endedAt");

-- CreateIndex
CREATE INDEX "seat_leases_vendorId_containerId_endedAt_idx" ON "seat_leases"("vendorId", "containerId", "endedAt");

-- CreateIndex
CREATE INDEX "seat_leases_endedAt_expiresAt_idx" ON "seat_leases"("endedAt", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "seat_leases_vendorId_id_key" ON "seat_leases"("vendorId", "id");

-- CreateIndex
CREATE INDEX "license_usage_hours_vendorId_hour_idx" ON "license_usage_hours"("vendorId", "hour");

-- AddForeignKey
ALTER TABLE "groups" ADD CONSTRAINT "groups_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES "groups"("vendorId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_tokens" ADD CONSTRAINT "user_tokens_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES "groups"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES "products"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "containers" ADD CONSTRAINT "containers_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "containers" ADD CONSTRAINT "containers_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "containers" ADD CONSTRAINT "containers_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES "groups"("vendorId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES "products"("vendorId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_purchaseId_fkey" FOREIGN KEY ("vendorId", "purchaseId") REFERENCES "purchases"("vendorId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_slots" ADD CONSTRAINT "seat_slots_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices" ADD CONSTRAINT "devices_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_leases" ADD CONSTRAINT "seat_leases_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_leases" ADD CONSTRAINT "seat_leases_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_leases" ADD CONSTRAINT "seat_leases_vendorId_deviceId_fkey" FOREIGN KEY ("vendorId", "deviceId") REFERENCES "devices"("vendorId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "license_usage_hours" ADD CONSTRAINT "license_usage_hours_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
