-- Every key of a tenant table includes "vendorId", so each table can be distributed by vendor on
-- Citus and co-located with the others (docs/scaling.md, "Citus"): primary keys become
-- ("vendorId", id) (ids are kept), unique constraints start with "vendorId", and every foreign key
-- between tenant tables pairs "vendorId" with "vendorId". The former UNIQUE ("vendorId", id)
-- indexes, now the primary keys, are dropped; the foreign keys that used them are dropped first and
-- added again, unchanged, on the new primary keys. Secrets' hashes stay unique per vendor; the
-- container secret's vendor is found through credential_routes (global), filled here from
-- containers and retired_credentials so every issued secret keeps working.

-- Foreign keys resting on a ("vendorId", id) unique index that this migration replaces.
ALTER TABLE containers DROP CONSTRAINT "containers_vendorId_groupId_fkey";
ALTER TABLE containers DROP CONSTRAINT "containers_vendorId_userId_fkey";
ALTER TABLE devices DROP CONSTRAINT "devices_vendorId_containerId_fkey";
ALTER TABLE features DROP CONSTRAINT "features_vendorId_productId_fkey";
ALTER TABLE license_expiries DROP CONSTRAINT "license_expiries_vendorId_licenseId_fkey";
ALTER TABLE license_overage_episodes DROP CONSTRAINT "license_overage_episodes_vendorId_licenseId_fkey";
ALTER TABLE license_renewals DROP CONSTRAINT "license_renewals_vendorId_licenseId_fkey";
ALTER TABLE license_usage_days DROP CONSTRAINT "license_usage_days_vendorId_licenseId_fkey";
ALTER TABLE license_usage_hours DROP CONSTRAINT "license_usage_hours_vendorId_licenseId_fkey";
ALTER TABLE licenses DROP CONSTRAINT "licenses_vendorId_containerId_fkey";
ALTER TABLE licenses DROP CONSTRAINT "licenses_vendorId_productId_fkey";
ALTER TABLE licenses DROP CONSTRAINT "licenses_vendorId_purchaseId_fkey";
ALTER TABLE offline_requests DROP CONSTRAINT "offline_requests_vendorId_containerId_fkey";
ALTER TABLE purchases DROP CONSTRAINT "purchases_vendorId_groupId_fkey";
ALTER TABLE purchases DROP CONSTRAINT "purchases_vendorId_productId_fkey";
ALTER TABLE refresh_tokens DROP CONSTRAINT "refresh_tokens_vendorId_userId_fkey";
ALTER TABLE retired_credentials DROP CONSTRAINT "retired_credentials_vendorId_containerId_fkey";
ALTER TABLE seat_leases DROP CONSTRAINT "seat_leases_vendorId_containerId_fkey";
ALTER TABLE seat_leases DROP CONSTRAINT "seat_leases_vendorId_deviceId_fkey";
ALTER TABLE seat_leases DROP CONSTRAINT "seat_leases_vendorId_licenseId_fkey";
ALTER TABLE seat_queue_tickets DROP CONSTRAINT "seat_queue_tickets_vendorId_containerId_fkey";
ALTER TABLE seat_queue_tickets DROP CONSTRAINT "seat_queue_tickets_vendorId_licenseId_fkey";
ALTER TABLE seat_reservation_users DROP CONSTRAINT "seat_reservation_users_vendorId_userId_fkey";
ALTER TABLE seat_reservations DROP CONSTRAINT "seat_reservations_vendorId_licenseId_fkey";
ALTER TABLE seat_slots DROP CONSTRAINT "seat_slots_vendorId_licenseId_fkey";
ALTER TABLE user_tokens DROP CONSTRAINT "user_tokens_vendorId_userId_fkey";
ALTER TABLE users DROP CONSTRAINT "users_vendorId_groupId_fkey";
ALTER TABLE webhook_attempts DROP CONSTRAINT "webhook_attempts_vendorId_deliveryId_fkey";
ALTER TABLE webhook_deliveries DROP CONSTRAINT "webhook_deliveries_vendorId_endpointId_fkey";

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_eventId_fkey";

-- DropIndex
DROP INDEX "products_vendorId_id_key";

-- DropIndex
DROP INDEX "features_productId_code_key";

-- DropIndex
DROP INDEX "groups_vendorId_id_key";

-- DropIndex
DROP INDEX "users_vendorId_id_key";

-- DropIndex
DROP INDEX "refresh_tokens_tokenHash_key";

-- DropIndex
DROP INDEX "user_tokens_tokenHash_key";

-- DropIndex
DROP INDEX "purchases_vendorId_id_key";

-- DropIndex
DROP INDEX "containers_credentialHash_key";

-- DropIndex
DROP INDEX "containers_vendorId_id_key";

-- DropIndex
DROP INDEX "licenses_vendorId_id_key";

-- DropIndex
DROP INDEX "devices_vendorId_id_key";

-- DropIndex
DROP INDEX "devices_containerId_activeFingerprint_key";

-- DropIndex
DROP INDEX "seat_leases_vendorId_id_key";

-- DropIndex
DROP INDEX "seat_queue_tickets_vendorId_id_key";

-- DropIndex
DROP INDEX "seat_reservations_vendorId_id_key";

-- DropIndex
DROP INDEX "seat_reservations_licenseId_name_key";

-- DropIndex
DROP INDEX "seat_reservation_users_licenseId_userId_key";

-- DropIndex
DROP INDEX "license_overage_episodes_vendorId_id_key";

-- DropIndex
DROP INDEX "license_usage_days_vendorId_licenseId_day_key";

-- DropIndex
DROP INDEX "webhook_endpoints_vendorId_id_key";

-- DropIndex
DROP INDEX "webhook_deliveries_endpointId_eventId_key";

-- DropIndex
DROP INDEX "webhook_deliveries_vendorId_id_key";

-- DropIndex
DROP INDEX "webhook_attempts_deliveryId_number_key";

-- DropIndex
DROP INDEX "inbound_events_integrationId_dedupKey_key";

-- DropIndex
DROP INDEX "inbound_events_vendorId_id_key";

-- DropIndex
DROP INDEX "license_renewals_licenseId_termEnd_key";

-- DropIndex
DROP INDEX "license_renewals_vendorId_id_key";

-- DropIndex
DROP INDEX "offline_requests_vendorId_id_key";

-- DropIndex
DROP INDEX "offline_requests_containerId_nonce_key";

-- AlterTable
ALTER TABLE "products" DROP CONSTRAINT "products_pkey",
ADD CONSTRAINT "products_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "features" DROP CONSTRAINT "features_pkey",
ADD CONSTRAINT "features_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "groups" DROP CONSTRAINT "groups_pkey",
ADD CONSTRAINT "groups_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "users" DROP CONSTRAINT "users_pkey",
ADD CONSTRAINT "users_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "refresh_tokens" DROP CONSTRAINT "refresh_tokens_pkey",
ADD CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "user_tokens" DROP CONSTRAINT "user_tokens_pkey",
ADD CONSTRAINT "user_tokens_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "audit_entries" DROP CONSTRAINT "audit_entries_pkey",
ADD CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "domain_events" DROP CONSTRAINT "domain_events_pkey",
ADD CONSTRAINT "domain_events_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "signing_keys" DROP CONSTRAINT "signing_keys_pkey",
ADD CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "purchases" DROP CONSTRAINT "purchases_pkey",
ADD CONSTRAINT "purchases_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "containers" DROP CONSTRAINT "containers_pkey",
ADD CONSTRAINT "containers_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "retired_credentials" DROP CONSTRAINT "retired_credentials_pkey",
ADD CONSTRAINT "retired_credentials_pkey" PRIMARY KEY ("vendorId", "credentialHash");

-- AlterTable
ALTER TABLE "licenses" DROP CONSTRAINT "licenses_pkey",
ADD CONSTRAINT "licenses_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "seat_slots" DROP CONSTRAINT "seat_slots_pkey",
ADD CONSTRAINT "seat_slots_pkey" PRIMARY KEY ("vendorId", "licenseId", "slot");

-- AlterTable
ALTER TABLE "devices" DROP CONSTRAINT "devices_pkey",
ADD CONSTRAINT "devices_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "seat_leases" DROP CONSTRAINT "seat_leases_pkey",
ADD CONSTRAINT "seat_leases_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "seat_queue_tickets" DROP CONSTRAINT "seat_queue_tickets_pkey",
ADD CONSTRAINT "seat_queue_tickets_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "seat_reservations" DROP CONSTRAINT "seat_reservations_pkey",
ADD CONSTRAINT "seat_reservations_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "seat_reservation_users" DROP CONSTRAINT "seat_reservation_users_pkey",
ADD CONSTRAINT "seat_reservation_users_pkey" PRIMARY KEY ("vendorId", "reservationId", "userId");

-- AlterTable
ALTER TABLE "license_overage_episodes" DROP CONSTRAINT "license_overage_episodes_pkey",
ADD CONSTRAINT "license_overage_episodes_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "license_usage_hours" DROP CONSTRAINT "license_usage_hours_pkey",
ADD CONSTRAINT "license_usage_hours_pkey" PRIMARY KEY ("vendorId", "licenseId", "hour");

-- AlterTable
ALTER TABLE "license_usage_days" DROP CONSTRAINT "license_usage_days_pkey",
ADD CONSTRAINT "license_usage_days_pkey" PRIMARY KEY ("vendorId", "licenseId", "day");

-- AlterTable
ALTER TABLE "webhook_endpoints" DROP CONSTRAINT "webhook_endpoints_pkey",
ADD CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_pkey",
ADD CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_pkey",
ADD CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "inbound_events" DROP CONSTRAINT "inbound_events_pkey",
ADD CONSTRAINT "inbound_events_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "license_renewals" DROP CONSTRAINT "license_renewals_pkey",
ADD CONSTRAINT "license_renewals_pkey" PRIMARY KEY ("vendorId", "id");

-- AlterTable
ALTER TABLE "license_expiries" DROP CONSTRAINT "license_expiries_pkey",
ADD CONSTRAINT "license_expiries_pkey" PRIMARY KEY ("vendorId", "licenseId", "expiresAt");

-- AlterTable
ALTER TABLE "offline_requests" DROP CONSTRAINT "offline_requests_pkey",
ADD CONSTRAINT "offline_requests_pkey" PRIMARY KEY ("vendorId", "id");

-- CreateTable
CREATE TABLE "credential_routes" (
    "credentialHash" TEXT NOT NULL,
    "vendorId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credential_routes_pkey" PRIMARY KEY ("credentialHash")
);

-- CreateIndex
CREATE INDEX "credential_routes_vendorId_containerId_idx" ON "credential_routes"("vendorId", "containerId");

-- CreateIndex
CREATE UNIQUE INDEX "features_vendorId_productId_code_key" ON "features"("vendorId", "productId", "code");

-- CreateIndex
CREATE INDEX "refresh_tokens_tokenHash_idx" ON "refresh_tokens"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_vendorId_tokenHash_key" ON "refresh_tokens"("vendorId", "tokenHash");

-- CreateIndex
CREATE INDEX "user_tokens_tokenHash_idx" ON "user_tokens"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "user_tokens_vendorId_tokenHash_key" ON "user_tokens"("vendorId", "tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "containers_vendorId_credentialHash_key" ON "containers"("vendorId", "credentialHash");

-- CreateIndex
CREATE UNIQUE INDEX "devices_vendorId_containerId_activeFingerprint_key" ON "devices"("vendorId", "containerId", "activeFingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "seat_reservations_vendorId_licenseId_name_key" ON "seat_reservations"("vendorId", "licenseId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "seat_reservation_users_vendorId_licenseId_userId_key" ON "seat_reservation_users"("vendorId", "licenseId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_vendorId_endpointId_eventId_key" ON "webhook_deliveries"("vendorId", "endpointId", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_attempts_vendorId_deliveryId_number_key" ON "webhook_attempts"("vendorId", "deliveryId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_events_vendorId_integrationId_dedupKey_key" ON "inbound_events"("vendorId", "integrationId", "dedupKey");

-- CreateIndex
CREATE UNIQUE INDEX "license_renewals_vendorId_licenseId_termEnd_key" ON "license_renewals"("vendorId", "licenseId", "termEnd");

-- CreateIndex
CREATE UNIQUE INDEX "offline_requests_vendorId_containerId_nonce_key" ON "offline_requests"("vendorId", "containerId", "nonce");

-- AddForeignKey
ALTER TABLE "credential_routes" ADD CONSTRAINT "credential_routes_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_vendorId_eventId_fkey" FOREIGN KEY ("vendorId", "eventId") REFERENCES "domain_events"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The foreign keys dropped above, again, now on the ("vendorId", id) primary keys.
ALTER TABLE containers ADD CONSTRAINT "containers_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES groups("vendorId", id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE containers ADD CONSTRAINT "containers_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES users("vendorId", id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE devices ADD CONSTRAINT "devices_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES containers("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE features ADD CONSTRAINT "features_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES products("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE license_expiries ADD CONSTRAINT "license_expiries_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE license_overage_episodes ADD CONSTRAINT "license_overage_episodes_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE license_renewals ADD CONSTRAINT "license_renewals_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE license_usage_days ADD CONSTRAINT "license_usage_days_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE license_usage_hours ADD CONSTRAINT "license_usage_hours_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE licenses ADD CONSTRAINT "licenses_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES containers("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE licenses ADD CONSTRAINT "licenses_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES products("vendorId", id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE licenses ADD CONSTRAINT "licenses_vendorId_purchaseId_fkey" FOREIGN KEY ("vendorId", "purchaseId") REFERENCES purchases("vendorId", id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE offline_requests ADD CONSTRAINT "offline_requests_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES containers("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE purchases ADD CONSTRAINT "purchases_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES groups("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE purchases ADD CONSTRAINT "purchases_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES products("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE refresh_tokens ADD CONSTRAINT "refresh_tokens_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES users("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE retired_credentials ADD CONSTRAINT "retired_credentials_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES containers("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_leases ADD CONSTRAINT "seat_leases_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES containers("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_leases ADD CONSTRAINT "seat_leases_vendorId_deviceId_fkey" FOREIGN KEY ("vendorId", "deviceId") REFERENCES devices("vendorId", id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE seat_leases ADD CONSTRAINT "seat_leases_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_queue_tickets ADD CONSTRAINT "seat_queue_tickets_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES containers("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_queue_tickets ADD CONSTRAINT "seat_queue_tickets_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_reservation_users ADD CONSTRAINT "seat_reservation_users_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES users("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_reservations ADD CONSTRAINT "seat_reservations_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE seat_slots ADD CONSTRAINT "seat_slots_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES licenses("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE user_tokens ADD CONSTRAINT "user_tokens_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES users("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE users ADD CONSTRAINT "users_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES groups("vendorId", id) ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE webhook_attempts ADD CONSTRAINT "webhook_attempts_vendorId_deliveryId_fkey" FOREIGN KEY ("vendorId", "deliveryId") REFERENCES webhook_deliveries("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE webhook_deliveries ADD CONSTRAINT "webhook_deliveries_vendorId_endpointId_fkey" FOREIGN KEY ("vendorId", "endpointId") REFERENCES webhook_endpoints("vendorId", id) ON UPDATE CASCADE ON DELETE CASCADE;

-- At most one open overage episode per license (a partial unique index, written by hand), now per vendor too.
DROP INDEX "license_overage_episodes_open_key";
CREATE UNIQUE INDEX "license_overage_episodes_open_key" ON "license_overage_episodes"("vendorId", "licenseId") WHERE "endedAt" IS NULL;

-- Every container secret issued so far, current or reset, finds its vendor.
INSERT INTO "credential_routes" ("credentialHash", "vendorId", "containerId")
SELECT "credentialHash", "vendorId", "id" FROM "containers"
UNION ALL
SELECT "credentialHash", "vendorId", "containerId" FROM "retired_credentials"
ON CONFLICT ("credentialHash") DO NOTHING;

-- The reservations-within-quantity trigger reads the license and its reservations on the
-- vendor's shard: by ("vendorId", id) and ("vendorId", "licenseId").
CREATE OR REPLACE FUNCTION seat_reservations_within_quantity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lic uuid;
  qty int;
  reserved int;
BEGIN
  IF TG_TABLE_NAME = 'licenses' THEN
    lic := NEW.id;
  ELSE
    lic := NEW."licenseId";
  END IF;
  SELECT quantity INTO qty FROM licenses WHERE "vendorId" = NEW."vendorId" AND id = lic FOR NO KEY UPDATE;
  SELECT COALESCE(sum(seats), 0) INTO reserved FROM seat_reservations WHERE "vendorId" = NEW."vendorId" AND "licenseId" = lic;
  IF reserved > qty THEN
    RAISE EXCEPTION 'seat reservations (%) exceed the quantity (%) of license %', reserved, qty, lic
      USING ERRCODE = 'check_violation', CONSTRAINT = 'seat_reservations_within_quantity';
  END IF;
  RETURN NULL;
END $$;
