-- AlterTable
ALTER TABLE "vendors" ADD COLUMN     "apiRequestsPerMinute" INTEGER,
ADD COLUMN     "deviceRequestsPerMinute" INTEGER,
ADD COLUMN     "updateStreamsPerContainer" INTEGER;
