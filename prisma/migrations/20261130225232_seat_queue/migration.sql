-- CreateEnum
CREATE TYPE "SeatQueueTicketStatus" AS ENUM ('WAITING', 'HELD', 'CLAIMED', 'LAPSED', 'CANCELLED');

-- AlterTable
ALTER TABLE "seat_slots" ADD COLUMN     "heldTicketId" UUID,
ADD COLUMN     "heldUntil" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "seat_queue_tickets" (
    "id" UUID NOT NULL,
    "vendorId" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "containerId" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "clientName" TEXT,
    "userId" UUID,
    "status" "SeatQueueTicketStatus" NOT NULL DEFAULT 'WAITING',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "grantedAt" TIMESTAMPTZ(3),
    "heldSlot" INTEGER,
    "leaseId" UUID,
    "endedAt" TIMESTAMPTZ(3),

    CONSTRAINT "seat_queue_tickets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "seat_queue_tickets_licenseId_status_seq_idx" ON "seat_queue_tickets"("licenseId", "status", "seq");

-- CreateIndex
CREATE INDEX "seat_queue_tickets_status_expiresAt_idx" ON "seat_queue_tickets"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "seat_queue_tickets_vendorId_containerId_fingerprint_idx" ON "seat_queue_tickets"("vendorId", "containerId", "fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "seat_queue_tickets_vendorId_id_key" ON "seat_queue_tickets"("vendorId", "id");

-- AddForeignKey
ALTER TABLE "seat_queue_tickets" ADD CONSTRAINT "seat_queue_tickets_vendorId_licenseId_fkey" FOREIGN KEY ("vendorId", "licenseId") REFERENCES "licenses"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seat_queue_tickets" ADD CONSTRAINT "seat_queue_tickets_vendorId_containerId_fkey" FOREIGN KEY ("vendorId", "containerId") REFERENCES "containers"("vendorId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
