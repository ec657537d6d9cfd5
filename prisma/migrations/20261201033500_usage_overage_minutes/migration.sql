-- Minutes in overage (more seats in use than the quantity) per hour and day, written by the
-- worker's aggregate-usage job; a repair run over past hours fills them in (docs/usage.md).
ALTER TABLE "license_usage_hours" ADD COLUMN "overageMinutes" DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE "license_usage_days" ADD COLUMN "overageMinutes" DOUBLE PRECISION NOT NULL DEFAULT 0;
