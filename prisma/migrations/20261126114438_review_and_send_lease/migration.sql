-- AlterTable
ALTER TABLE "prompts" ADD COLUMN     "lease_until" TIMESTAMP(3),
ADD COLUMN     "reviewed_at" TIMESTAMP(3),
ADD COLUMN     "reviewed_by" TEXT;
