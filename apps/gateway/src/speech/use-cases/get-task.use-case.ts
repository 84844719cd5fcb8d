import type { TenantScope } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
import { PlatformError, TaskResponse } from '@avatar/contracts';
import { SpeechTasksRepository } from '@avatar/persistence';

/** GET /v1/tasks/{task_id}: where a speech task is, and how it ended. */
@Injectable()
export class GetTaskUseCase {
  constructor(private readonly tasks: SpeechTasksRepository) {}

  async execute(tenantId: TenantScope, taskId: string): Promise<TaskResponse> {
    const task = await this.tasks.find(tenantId, taskId);
    if (!task) throw new PlatformError('TASK_NOT_FOUND', 'The specified task does not exist', { task_id: taskId });
    return {
      task_id: task.id,
      session_id: task.sessionId,
      status: task.status,
      text: task.text,
      duration_estimate: task.durationEstimateMs / 1000,
      created_at: task.createdAt.toISOString(),
      started_at: task.startedAt?.toISOString() ?? null,
      ended_at: task.endedAt?.toISOString() ?? null,
      spoken_seconds: task.spokenMs === null ? null : task.spokenMs / 1000,
      error: task.error,
    };
  }
}
