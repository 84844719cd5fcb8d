-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "chat_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "interrupt_seq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "speech_tasks" ADD COLUMN     "chat_message_id" UUID,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'text';

-- CreateTable
CREATE TABLE "speech_task_audio" (
    "task_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "sample_rate" INTEGER NOT NULL,
    "pcm" BYTEA NOT NULL,

    CONSTRAINT "speech_task_audio_pkey" PRIMARY KEY ("task_id")
);

-- CreateTable
CREATE TABLE "chat_messages" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'complete',
    "model" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "chat_messages_tenant_id_session_id_seq_idx" ON "chat_messages"("tenant_id", "session_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "chat_messages_session_id_seq_key" ON "chat_messages"("session_id", "seq");

-- AddForeignKey
ALTER TABLE "speech_task_audio" ADD CONSTRAINT "speech_task_audio_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "speech_tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_tenant_id_session_id_fkey" FOREIGN KEY ("tenant_id", "session_id") REFERENCES "sessions"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
