-- CreateEnum
CREATE TYPE "tenant_status" AS ENUM ('active', 'disabled');

-- CreateEnum
CREATE TYPE "webhook_delivery_status" AS ENUM ('pending', 'delivered', 'failed');

-- DropForeignKey
ALTER TABLE "session_events" DROP CONSTRAINT "session_events_session_id_fkey";

-- DropForeignKey
ALTER TABLE "speech_tasks" DROP CONSTRAINT "speech_tasks_session_id_fkey";

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "billed_seconds" INTEGER;

-- AlterTable
ALTER TABLE "speech_tasks" ADD COLUMN     "spoken_ms" INTEGER;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "billing" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "disabled_at" TIMESTAMPTZ(3),
ADD COLUMN     "limits" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "providers" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "quotas" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "status" "tenant_status" NOT NULL DEFAULT 'active',
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "vendor_credentials" (
    "tenant_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "sealed" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vendor_credentials_pkey" PRIMARY KEY ("tenant_id","provider")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "key_id" TEXT NOT NULL,
    "sealed_secret" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "event_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "webhook_delivery_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_endpoints_tenant_id_created_at_idx" ON "webhook_endpoints"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_endpoints_tenant_id_id_key" ON "webhook_endpoints"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_tenant_id_endpoint_id_created_at_idx" ON "webhook_deliveries"("tenant_id", "endpoint_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_id_event_key_key" ON "webhook_deliveries"("endpoint_id", "event_key");

-- CreateIndex
CREATE INDEX "sessions_tenant_id_started_at_idx" ON "sessions"("tenant_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_tenant_id_id_key" ON "sessions"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "tenants_status_id_idx" ON "tenants"("status", "id");

-- AddForeignKey
ALTER TABLE "speech_tasks" ADD CONSTRAINT "speech_tasks_tenant_id_session_id_fkey" FOREIGN KEY ("tenant_id", "session_id") REFERENCES "sessions"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_tenant_id_session_id_fkey" FOREIGN KEY ("tenant_id", "session_id") REFERENCES "sessions"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vendor_credentials" ADD CONSTRAINT "vendor_credentials_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_tenant_id_endpoint_id_fkey" FOREIGN KEY ("tenant_id", "endpoint_id") REFERENCES "webhook_endpoints"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keys made before scopes existed keep doing what they did: every scope.
UPDATE "api_keys" SET "scopes" = ARRAY['sessions:write', 'sessions:read', 'usage:read'];

-- The billing rule (docs/adr/0008), in one place: the database applies it when a
-- session ends (stop, reaper, quota, tenant disabled). A session that never started
-- costs nothing. Otherwise its duration is rounded up to the whole second, and with
-- {"model":"minimum_then_per_second","minimum_seconds":N} it costs at least N.
CREATE FUNCTION billed_seconds(duration_ms integer, started boolean, billing jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN NOT started THEN 0
    ELSE GREATEST(
      ceil(GREATEST(duration_ms, 0) / 1000.0)::integer,
      CASE WHEN billing->>'model' = 'minimum_then_per_second' THEN COALESCE((billing->>'minimum_seconds')::integer, 0) ELSE 0 END)
  END
$$;

UPDATE "sessions" SET "billed_seconds" = billed_seconds("duration_ms", "started_at" IS NOT NULL, '{}'::jsonb) WHERE "status" = 'stopped';
UPDATE "speech_tasks" SET "spoken_ms" = GREATEST(0, round(extract(epoch FROM ("ended_at" - "started_at")) * 1000))::integer
 WHERE "ended_at" IS NOT NULL AND "started_at" IS NOT NULL;
