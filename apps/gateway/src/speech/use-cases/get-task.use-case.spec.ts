import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { SpeechTaskRow, SpeechTasksRepository } from '@avatar/persistence';
import { speechTaskRow as taskRow } from '@avatar/testing';
import { GetTaskUseCase } from './get-task.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const TASK = 'task-1';

function setup(row: SpeechTaskRow | null) {
  const tasks = { find: jest.fn().mockResolvedValue(row) };
  return { useCase: new GetTaskUseCase(tasks as unknown as SpeechTasksRepository), tasks };
}

describe('GetTaskUseCase', () => {
  it('answers a queued task with null times and the estimate in seconds', async () => {
    const t = setup(taskRow());

    await expect(t.useCase.execute(TENANT, TASK)).resolves.toEqual({
      task_id: TASK,
      session_id: 'session-1',
      status: 'queued',
      text: 'hello',
      duration_estimate: 2.25,
      created_at: '2025-01-01T00:00:00.000Z',
      started_at: null,
      ended_at: null,
      spoken_seconds: null,
      error: null,
    });
    expect(t.tasks.find).toHaveBeenCalledWith(TENANT, TASK);
  });

  it('answers how a finished task ended, with its times, spoken seconds and error', async () => {
    const t = setup(
      taskRow({
        status: 'failed',
        startedAt: new Date('2025-01-01T00:00:01.000Z'),
        endedAt: new Date('2025-01-01T00:00:02.500Z'),
        spokenMs: 1500,
        error: 'vendor refused',
      }),
    );

    await expect(t.useCase.execute(TENANT, TASK)).resolves.toMatchObject({
      status: 'failed',
      started_at: '2025-01-01T00:00:01.000Z',
      ended_at: '2025-01-01T00:00:02.500Z',
      spoken_seconds: 1.5,
      error: 'vendor refused',
    });
  });

  it('answers TASK_NOT_FOUND (404) for a task the tenant does not have', async () => {
    const t = setup(null);

    const err = await t.useCase.execute(TENANT, TASK).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe('TASK_NOT_FOUND');
    expect((err as PlatformError).status).toBe(404);
    expect((err as PlatformError).details).toEqual({ task_id: TASK });
  });
});
