import { TenantScopes } from '@avatar/contracts';
import type { ChatMessagesRepository, SessionEventsRepository, SessionsRepository, SpeechTasksRepository } from '@avatar/persistence';
import { caughtPlatformError, sessionRow, speechTaskRow } from '@avatar/testing';
import { GetSessionUseCase } from './get-session.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '33333333-3333-4333-8333-333333333333';

function setup(found = true) {
  const session = sessionRow({
    id: SESSION,
    status: 'stopped',
    avatarId: 'avatar_9',
    voiceId: 'v1',
    quality: 'high',
    startedAt: new Date('2026-03-01T10:00:00.000Z'),
    endedAt: new Date('2026-03-01T10:01:00.500Z'),
    durationMs: 60_500,
    billedSeconds: 61,
    endReason: 'quota_exhausted',
  });
  const sessions = { find: jest.fn().mockResolvedValue(found ? session : null) };
  const task = speechTaskRow({
    id: 'task-1',
    sessionId: SESSION,
    seq: 1,
    text: 'hello there',
    status: 'completed',
    attempts: 1,
    durationEstimateMs: 1500,
    startedAt: new Date('2026-03-01T10:00:01.000Z'),
    endedAt: new Date('2026-03-01T10:00:02.250Z'),
    spokenMs: 1250,
  });
  const tasks = { listOfSession: jest.fn().mockResolvedValue({ tasks: [task], truncated: false }) };
  const events = {
    listOfSession: jest.fn().mockResolvedValue({
      events: [{ streamSeq: 7, type: 'task.completed', taskId: 'task-1', payload: { task_id: 'task-1', duration: 1.2 }, createdAt: new Date('2026-03-01T10:00:02.300Z') }],
      truncated: true,
    }),
  };
  const chat = {
    conversation: jest.fn().mockResolvedValue([
      { id: 'm1', seq: 1, role: 'user', content: 'Hi', status: 'complete', model: null, createdAt: new Date('2026-03-01T10:00:03.000Z'), endedAt: null },
      { id: 'm2', seq: 2, role: 'assistant', content: 'Hello.', status: 'interrupted', model: 'scripted', createdAt: new Date('2026-03-01T10:00:03.100Z'), endedAt: null },
    ]),
  };
  const useCase = new GetSessionUseCase(
    sessions as unknown as SessionsRepository,
    tasks as unknown as SpeechTasksRepository,
    events as unknown as SessionEventsRepository,
    chat as unknown as ChatMessagesRepository,
  );
  return { useCase, sessions, tasks, events, chat };
}

describe('GetSessionUseCase', () => {
  it('answers the session with its bill, its tasks and its bounded event history, all scoped to the tenant', async () => {
    const t = setup();

    const response = await t.useCase.execute(TENANT, SESSION);

    expect(t.sessions.find).toHaveBeenCalledWith(TENANT, SESSION);
    expect(t.tasks.listOfSession).toHaveBeenCalledWith(TENANT, SESSION, 1000);
    expect(t.events.listOfSession).toHaveBeenCalledWith(TENANT, SESSION, 1000);
    expect(response).toEqual({
      session_id: SESSION,
      status: 'stopped',
      provider: 'local',
      created_at: '2025-01-01T00:00:00.000Z',
      started_at: '2026-03-01T10:00:00.000Z',
      ended_at: '2026-03-01T10:01:00.500Z',
      duration: 60.5,
      billed_seconds: 61,
      end_reason: 'quota_exhausted',
      avatar_id: 'avatar_9',
      voice_id: 'v1',
      quality: 'high',
      tasks: [
        {
          task_id: 'task-1',
          seq: 1,
          status: 'completed',
          text: 'hello there',
          duration_estimate: 1.5,
          spoken_seconds: 1.25,
          attempts: 1,
          created_at: '2025-01-01T00:00:00.000Z',
          started_at: '2026-03-01T10:00:01.000Z',
          ended_at: '2026-03-01T10:00:02.250Z',
          error: null,
        },
      ],
      tasks_truncated: false,
      events: [{ id: 7, type: 'task.completed', task_id: 'task-1', created_at: '2026-03-01T10:00:02.300Z', payload: { task_id: 'task-1', duration: 1.2 } }],
      events_truncated: true,
      conversation: [
        { role: 'user', content: 'Hi', status: 'complete', model: null, created_at: '2026-03-01T10:00:03.000Z' },
        { role: 'assistant', content: 'Hello.', status: 'interrupted', model: 'scripted', created_at: '2026-03-01T10:00:03.100Z' },
      ],
    });
    expect(t.chat.conversation).toHaveBeenCalledWith(TENANT, SESSION, 200);
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have (another tenant’s included), reading nothing else', async () => {
    const t = setup(false);

    const err = await caughtPlatformError(t.useCase.execute(TENANT, SESSION));

    expect(err.code).toBe('SESSION_NOT_FOUND');
    expect(err.details).toEqual({ session_id: SESSION });
    expect(t.tasks.listOfSession).not.toHaveBeenCalled();
    expect(t.events.listOfSession).not.toHaveBeenCalled();
  });
});
