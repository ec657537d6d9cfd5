-- AlterTable
ALTER TABLE "containers" ADD COLUMN     "accessRevokedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "retired_credentials" (
    "credentialHash" TEXT NOT NULL,
    "vendorId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "credentialVersion" INTEGER NOT NULL,
    "retiredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "retired_credentials_pkey" PRIMARY KEY ("credentialHash")
);

-- CreateIndex
CREATE INDEX "retired_credentials_vendorId_containerId_idx" ON "retired_credentials"("vendorId", "containerId");

-- AddForeignKey
ALTER TABLE "retired_credentials" ADD CONSTRAINT "retired_credentials_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
