import type { TenantScope } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
import { SESSION_HISTORY_MAX_EVENTS, SESSION_HISTORY_MAX_MESSAGES, SESSION_HISTORY_MAX_TASKS, SessionHistoryResponse } from '@avatar/contracts';
import { ChatMessagesRepository, SessionEventsRepository, SessionsRepository, SpeechTasksRepository, SpeechTaskRow } from '@avatar/persistence';
import { toSessionSummary } from '../session-summary';
import { findSessionOrThrow } from './find-session';

/**
 * GET /v1/sessions/{id}: one session of the tenant, for dashboards and support: its
 * summary and bill, its tasks (with their text: the tenant's own data), its recorded
 * event history in stream order and its conversation, the latest SESSION_HISTORY_MAX_* of each
 * with a flag when earlier ones were left out. Another tenant's session is
 * SESSION_NOT_FOUND, exactly like an id that does not exist.
 */
@Injectable()
export class GetSessionUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tasks: SpeechTasksRepository,
    private readonly events: SessionEventsRepository,
    private readonly chat: ChatMessagesRepository,
  ) {}

  async execute(tenantId: TenantScope, sessionId: string): Promise<SessionHistoryResponse> {
    const session = await findSessionOrThrow(this.sessions, tenantId, sessionId);
    const [tasks, events, conversation] = await Promise.all([
      this.tasks.listOfSession(tenantId, session.id, SESSION_HISTORY_MAX_TASKS),
      this.events.listOfSession(tenantId, session.id, SESSION_HISTORY_MAX_EVENTS),
      this.chat.conversation(tenantId, session.id, SESSION_HISTORY_MAX_MESSAGES),
    ]);
    return {
      ...toSessionSummary(session),
      avatar_id: session.avatarId,
      voice_id: session.voiceId,
      quality: session.quality,
      tasks: tasks.tasks.map(toHistoryTask),
      tasks_truncated: tasks.truncated,
      events: events.events.map((e) => ({ id: e.streamSeq, type: e.type, task_id: e.taskId, created_at: e.createdAt.toISOString(), payload: e.payload })),
      events_truncated: events.truncated,
      conversation: conversation.map((m) => ({ role: m.role, content: m.content, status: m.status, model: m.model, created_at: m.createdAt.toISOString() })),
    };
  }
}

function toHistoryTask(task: SpeechTaskRow): SessionHistoryResponse['tasks'][number] {
  return {
    task_id: task.id,
    seq: task.seq,
    status: task.status,
    text: task.text,
    duration_estimate: task.durationEstimateMs / 1000,
    spoken_seconds: task.spokenMs === null ? null : task.spokenMs / 1000,
    attempts: task.attempts,
    created_at: task.createdAt.toISOString(),
    started_at: task.startedAt?.toISOString() ?? null,
    ended_at: task.endedAt?.toISOString() ?? null,
    error: task.error,
  };
}
