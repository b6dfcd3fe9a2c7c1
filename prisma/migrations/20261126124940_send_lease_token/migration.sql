-- AlterTable
ALTER TABLE "prompts" ADD COLUMN     "lease_token" UUID;
