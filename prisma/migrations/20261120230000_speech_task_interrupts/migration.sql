-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "frame_seq" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "speech_tasks" ADD COLUMN     "announced_at" TIMESTAMPTZ(3),
ADD COLUMN     "interrupt_requested_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "speech_tasks_status_created_at_idx" ON "speech_tasks"("status", "created_at");

-- CreateIndex
CREATE INDEX "speech_tasks_status_announced_at_idx" ON "speech_tasks"("status", "announced_at");

-- Tasks that ended under an earlier release were announced when they ended.
UPDATE "speech_tasks" SET "announced_at" = "ended_at" WHERE "status" IN ('completed', 'interrupted', 'failed');
