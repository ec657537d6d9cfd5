-- An ENTERPRISE container hands out seats; devices are not activated on it, so it has no device
-- limit (null). A PERSONAL container always has one: the service sets it (PERSONAL_DEVICE_LIMIT in
-- libs/domain/licensing/src/licensing.types.ts when the vendor gives none), not a column default.
ALTER TABLE "containers" ALTER COLUMN "deviceLimit" DROP NOT NULL,
ALTER COLUMN "deviceLimit" DROP DEFAULT;

UPDATE "containers" SET "deviceLimit" = NULL WHERE "kind" = 'ENTERPRISE';

ALTER TABLE "containers" ADD CONSTRAINT "containers_deviceLimit_by_kind"
  CHECK (("kind" = 'PERSONAL') = ("deviceLimit" IS NOT NULL));
