-- Foreign keys of tenant tables never cascade an UPDATE: keys are never updated, and Citus refuses
-- ON UPDATE CASCADE (or SET NULL / SET DEFAULT) on a foreign key that includes the distribution
-- column ("vendorId"). Prisma's default (ON UPDATE CASCADE) becomes NO ACTION; ON DELETE is unchanged.

-- DropForeignKey
ALTER TABLE "products" DROP CONSTRAINT "products_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "features" DROP CONSTRAINT "features_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "features" DROP CONSTRAINT "features_vendorId_productId_fkey";

-- DropForeignKey
ALTER TABLE "groups" DROP CONSTRAINT "groups_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "users" DROP CONSTRAINT "users_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "users" DROP CONSTRAINT "users_vendorId_groupId_fkey";

-- DropForeignKey
ALTER TABLE "refresh_tokens" DROP CONSTRAINT "refresh_tokens_vendorId_userId_fkey";

-- DropForeignKey
ALTER TABLE "user_tokens" DROP CONSTRAINT "user_tokens_vendorId_userId_fkey";

-- DropForeignKey
ALTER TABLE "signing_keys" DROP CONSTRAINT "signing_keys_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "purchases" DROP CONSTRAINT "purchases_vendorId_groupId_fkey";

-- DropForeignKey
ALTER TABLE "purchases" DROP CONSTRAINT "purchases_vendorId_productId_fkey";

-- DropForeignKey
ALTER TABLE "containers" DROP CONSTRAINT "containers_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "containers" DROP CONSTRAINT "containers_vendorId_userId_fkey";

-- DropForeignKey
ALTER TABLE "containers" DROP CONSTRAINT "containers_vendorId_groupId_fkey";

-- DropForeignKey
ALTER TABLE "retired_credentials" DROP CONSTRAINT "retired_credentials_vendorId_containerId_fkey";

-- DropForeignKey
ALTER TABLE "licenses" DROP CONSTRAINT "licenses_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "licenses" DROP CONSTRAINT "licenses_vendorId_containerId_fkey";

-- DropForeignKey
ALTER TABLE "licenses" DROP CONSTRAINT "licenses_vendorId_productId_fkey";

-- DropForeignKey
ALTER TABLE "licenses" DROP CONSTRAINT "licenses_vendorId_purchaseId_fkey";

-- DropForeignKey
ALTER TABLE "seat_slots" DROP CONSTRAINT "seat_slots_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "devices" DROP CONSTRAINT "devices_vendorId_containerId_fkey";

-- DropForeignKey
ALTER TABLE "seat_leases" DROP CONSTRAINT "seat_leases_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "seat_leases" DROP CONSTRAINT "seat_leases_vendorId_containerId_fkey";

-- DropForeignKey
ALTER TABLE "seat_leases" DROP CONSTRAINT "seat_leases_vendorId_deviceId_fkey";

-- DropForeignKey
ALTER TABLE "seat_queue_tickets" DROP CONSTRAINT "seat_queue_tickets_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "seat_queue_tickets" DROP CONSTRAINT "seat_queue_tickets_vendorId_containerId_fkey";

-- DropForeignKey
ALTER TABLE "seat_reservations" DROP CONSTRAINT "seat_reservations_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "seat_reservation_users" DROP CONSTRAINT "seat_reservation_users_vendorId_licenseId_reservationId_fkey";

-- DropForeignKey
ALTER TABLE "seat_reservation_users" DROP CONSTRAINT "seat_reservation_users_vendorId_userId_fkey";

-- DropForeignKey
ALTER TABLE "license_overage_episodes" DROP CONSTRAINT "license_overage_episodes_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "license_usage_hours" DROP CONSTRAINT "license_usage_hours_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "license_usage_days" DROP CONSTRAINT "license_usage_days_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "webhook_endpoints" DROP CONSTRAINT "webhook_endpoints_vendorId_fkey";

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_vendorId_endpointId_fkey";

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_vendorId_eventId_fkey";

-- DropForeignKey
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_vendorId_deliveryId_fkey";

-- DropForeignKey
ALTER TABLE "inbound_events" DROP CONSTRAINT "inbound_events_vendorId_integrationId_fkey";

-- DropForeignKey
ALTER TABLE "license_renewals" DROP CONSTRAINT "license_renewals_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "license_expiries" DROP CONSTRAINT "license_expiries_vendorId_licenseId_fkey";

-- DropForeignKey
ALTER TABLE "offline_requests" DROP CONSTRAINT "offline_requests_vendorId_containerId_fkey";

-- AddForeignKey
ALTER TABLE "products" ADD CONSTRAINT "products_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "features" ADD CONSTRAINT "features_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "features" ADD CONSTRAINT "features_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES "products"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "groups" ADD CONSTRAINT "groups_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES "groups"("vendorId", "id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "user_tokens" ADD CONSTRAINT "user_tokens_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES "groups"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES "products"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "containers" ADD CONSTRAINT "containers_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "containers" ADD CONSTRAINT "containers_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "containers" ADD CONSTRAINT "containers_vendorId_groupId_fkey" FOREIGN KEY ("vendorId", "groupId") REFERENCES "groups"("vendorId", "id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "retired_credentials" ADD CONSTRAINT "retired_credentials_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_productId_fkey" FOREIGN KEY ("vendorId", "productId") REFERENCES "products"("vendorId", "id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendorId_purchaseId_fkey" FOREIGN KEY ("vendorId", "purchaseId") REFERENCES "purchases"("vendorId", "id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_slots" ADD CONSTRAINT "seat_slots_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "devices" ADD CONSTRAINT "devices_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_leases" ADD CONSTRAINT "seat_leases_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_leases" ADD CONSTRAINT "seat_leases_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_leases" ADD CONSTRAINT "seat_leases_vendorId_deviceId_fkey" FOREIGN KEY ("vendorId", "deviceId") REFERENCES "devices"("vendorId", "id") ON DELETE RESTRICT ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_queue_tickets" ADD CONSTRAINT "seat_queue_tickets_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_queue_tickets" ADD CONSTRAINT "seat_queue_tickets_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_reservations" ADD CONSTRAINT "seat_reservations_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_reservation_users" ADD CONSTRAINT "seat_reservation_users_vendorId_licenseId_reservationId_fkey" FOREIGN KEY ("vendorId", "licenseId", "reservationId") REFERENCES "seat_reservations"("vendorId", "licenseId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "seat_reservation_users" ADD CONSTRAINT "seat_reservation_users_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "license_overage_episodes" ADD CONSTRAINT "license_overage_episodes_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "license_usage_hours" ADD CONSTRAINT "license_usage_hours_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "license_usage_days" ADD CONSTRAINT "license_usage_days_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "vendors"("id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_vendorId_endpointId_fkey" FOREIGN KEY ("vendorId", "endpointId") REFERENCES "webhook_endpoints"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_vendorId_eventId_fkey" FOREIGN KEY ("vendorId", "eventId") REFERENCES "domain_events"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_vendorId_deliveryId_fkey" FOREIGN KEY ("vendorId", "deliveryId") REFERENCES "webhook_deliveries"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "inbound_events" ADD CONSTRAINT "inbound_events_vendorId_integrationId_fkey" FOREIGN KEY ("vendorId", "integrationId") REFERENCES "integrations"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "license_renewals" ADD CONSTRAINT "license_renewals_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "license_expiries" ADD CONSTRAINT "license_expiries_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "offline_requests" ADD CONSTRAINT "offline_requests_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE NO ACTION;
