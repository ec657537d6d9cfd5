-- AlterTable
ALTER TABLE "inbound_events" ADD COLUMN     "result" JSONB;
