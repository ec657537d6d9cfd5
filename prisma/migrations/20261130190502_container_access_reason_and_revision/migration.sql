-- AlterTable
ALTER TABLE "containers" ADD COLUMN     "accessRevokedReason" TEXT,
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;
