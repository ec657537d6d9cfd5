-- AlterTable
ALTER TABLE "groups" ADD COLUMN     "borrowingAllowed" BOOLEAN NOT NULL DEFAULT true;
