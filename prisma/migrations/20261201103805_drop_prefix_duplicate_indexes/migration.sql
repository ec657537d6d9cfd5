-- DropIndex
DROP INDEX "seat_slots_vendorId_idx";

-- DropIndex
DROP INDEX "seat_reservations_vendorId_licenseId_idx";

-- DropIndex
DROP INDEX "webhook_attempts_vendorId_deliveryId_idx";

-- DropIndex
DROP INDEX "license_renewals_vendorId_licenseId_termEnd_idx";

-- DropIndex
DROP INDEX "license_expiries_vendorId_licenseId_idx";
