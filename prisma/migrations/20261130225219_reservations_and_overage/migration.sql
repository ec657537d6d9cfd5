-- AlterTable
ALTER TABLE "licenses" ADD COLUMN     "overageExtraSeats" INTEGER,
ADD COLUMN     "overagePercent" INTEGER;

-- AlterTable
ALTER TABLE "seat_leases" ADD COLUMN     "overage" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "seat_reservations" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "seats" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "seat_reservations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seat_reservation_users" (
    "vendorId" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "reservationId" UUID NOT NULL,
    "userId" UUID NOT NULL,

    CONSTRAINT "seat_reservation_users_pkey" PRIMARY KEY ("reservationId","userId")
);

-- CreateTable
CREATE TABLE "license_overage_episodes" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),
    "peakSeats" INTEGER NOT NULL,

    CONSTRAINT "license_overage_episodes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "seat_reservations_vendorId_licenseId_idx" ON "seat_reservations"("vendorId", "licenseId");

-- CreateIndex
CREATE UNIQUE INDEX "seat_reservations_vendorId_id_key" ON "seat_reservations"("vendorId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "seat_reservations_vendorId_licenseId_id_key" ON "seat_reservations"("vendorId", "licenseId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "seat_reservations_licenseId_name_key" ON "seat_reservations"("licenseId", "name");

-- CreateIndex
CREATE INDEX "seat_reservation_users_vendorId_userId_idx" ON "seat_reservation_users"("vendorId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "seat_reservation_users_licenseId_userId_key" ON "seat_reservation_users"("licenseId", "userId");

-- CreateIndex
CREATE INDEX "license_overage_episodes_vendorId_licenseId_startedAt_idx" ON "license_overage_episodes"("vendorId", "licenseId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "license_overage_episodes_vendorId_id_key" ON "license_overage_episodes"("vendorId", "id");

-- AddForeignKey
ALTER TABLE "seat_reservations" ADD CONSTRAINT "seat_reservations_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_reservation_users" ADD CONSTRAINT "seat_reservation_users_vendorId_licenseId_reservationId_fkey" FOREIGN KEY ("vendorId", "licenseId", "reservationId") REFERENCES "seat_reservations"("vendorId", "licenseId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_reservation_users" ADD CONSTRAINT "seat_reservation_users_vendorId_userId_fkey" FOREIGN KEY ("vendorId", "userId") REFERENCES "users"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "license_overage_episodes" ADD CONSTRAINT "license_overage_episodes_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Overage allowance: a factor (extra percent, 1.01× … 10×) or a number of extra seats, never both.
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_overage_check" CHECK (
  ("overagePercent" IS NULL OR "overagePercent" BETWEEN 1 AND 900)
  AND ("overageExtraSeats" IS NULL OR "overageExtraSeats" BETWEEN 1 AND 100000)
  AND ("overagePercent" IS NULL OR "overageExtraSeats" IS NULL));

ALTER TABLE "seat_reservations" ADD CONSTRAINT "seat_reservations_seats_check" CHECK ("seats" >= 1);

-- At most one open overage episode per license: "started" is written once per episode.
CREATE UNIQUE INDEX "license_overage_episodes_open_key" ON "license_overage_episodes"("licenseId") WHERE "endedAt" IS NULL;

-- The sum of a license's reservations never exceeds its quantity. The service checks it first
-- (with a clear RESERVATIONS_EXCEED_QUANTITY); this trigger is the backstop for every writer.
-- It locks the license row (as the service and SeatPoolService.resize do) before summing, so two
-- concurrent reservations, or a reservation and a quantity change, are checked one after another;
-- each statement of a volatile plpgsql function sees what committed before it. On licenses it runs
-- at commit (deferred), so SeatPoolService.resize answers RESERVATIONS_EXCEED_QUANTITY first.
CREATE FUNCTION seat_reservations_within_quantity() RETURNS trigger LANGUAGE plpgsql AS $$
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
  SELECT quantity INTO qty FROM licenses WHERE id = lic FOR NO KEY UPDATE;
  SELECT COALESCE(sum(seats), 0) INTO reserved FROM seat_reservations WHERE "licenseId" = lic;
  IF reserved > qty THEN
    RAISE EXCEPTION 'seat reservations (%) exceed the quantity (%) of license %', reserved, qty, lic
      USING ERRCODE = 'check_violation', CONSTRAINT = 'seat_reservations_within_quantity';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER "seat_reservations_within_quantity" AFTER INSERT OR UPDATE OF seats ON "seat_reservations"
  FOR EACH ROW EXECUTE FUNCTION seat_reservations_within_quantity();
CREATE CONSTRAINT TRIGGER "licenses_quantity_covers_reservations" AFTER UPDATE OF quantity ON "licenses" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.quantity < OLD.quantity) EXECUTE FUNCTION seat_reservations_within_quantity();
