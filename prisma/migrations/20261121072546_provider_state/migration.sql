-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "provider_options" JSONB,
ADD COLUMN     "provider_state" JSONB;
