-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "idle_timeout_s" INTEGER,
ADD COLUMN     "last_active_at" TIMESTAMPTZ(3),
ADD COLUMN     "max_duration_s" INTEGER;

-- CreateTable
CREATE TABLE "platform_heartbeat" (
    "id" INTEGER NOT NULL,
    "beat_at" TIMESTAMPTZ(3),
    "grace_ms" INTEGER NOT NULL,
    "idle_timeout_s" INTEGER NOT NULL,
    "max_duration_s" INTEGER NOT NULL,

    CONSTRAINT "platform_heartbeat_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sessions_status_idx" ON "sessions"("status");
