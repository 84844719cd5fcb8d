import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SPEAK_JOB, SPEAK_JOB_OPTIONS, SpeakJobData, TenantScopes } from '@avatar/contracts';
import type { SpeechTasksRepository, TaskRef } from '@avatar/persistence';
import type { WorkerConfig } from '../worker-config';
import type { SpeechOrder } from './speech-order';
import { SpeechReconciler } from './speech-reconciler';
import type { TaskEndings } from '@avatar/speech';
import { fakeLeaseRedis } from '@avatar/testing';
import { Metrics } from '@avatar/observability';

const RECONCILE_MS = 2000;

const ref = (overrides: Partial<TaskRef> = {}): TaskRef => ({
  tenantId: TenantScopes.ofRecord('tenant-1'),
  sessionId: 'session-1',
  id: 'task-1',
  seq: 3,
  status: 'queued',
  error: null,
  durationEstimateMs: 1500,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  spokenSeconds: 0,
  ...overrides,
});

type JobState = 'missing' | 'delayed' | 'waiting' | 'active' | 'completed' | 'failed' | 'unknown';

function setup(options: { heads?: TaskRef[]; unannounced?: TaskRef[]; states?: Record<string, JobState>; redis?: ReturnType<typeof fakeLeaseRedis> } = {}) {
  const redis = options.redis ?? fakeLeaseRedis();
  const tasks = { stale: jest.fn().mockResolvedValue({ heads: options.heads ?? [], unannounced: options.unannounced ?? [] }) };
  const removed: string[] = [];
  const queue = {
    getJob: jest.fn(async (id: string) => {
      const state = options.states?.[id] ?? 'missing';
      if (state === 'missing') return undefined;
      return { id, getState: jest.fn().mockResolvedValue(state), remove: jest.fn(async () => void removed.push(id)) };
    }),
    add: jest.fn().mockResolvedValue(undefined),
  };
  const order = { wake: jest.fn().mockResolvedValue(true) };
  const endings = { announce: jest.fn().mockResolvedValue(undefined) };
  const metrics = new Metrics('worker', { processMetrics: false });
  const reconciler = new SpeechReconciler(
    tasks as unknown as SpeechTasksRepository,
    order as unknown as SpeechOrder,
    endings as unknown as TaskEndings,
    queue as unknown as Queue<SpeakJobData>,
    redis as unknown as Redis,
    { SPEECH_RECONCILE_MS: RECONCILE_MS } as WorkerConfig,
    metrics,
  );
  return { reconciler, tasks, queue, order, endings, redis, removed, metrics };
}

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('SpeechReconciler', () => {
  describe('the lease', () => {
    it('lets only the holder sweep: a second reconciler on the same Redis does nothing', async () => {
      const redis = fakeLeaseRedis();
      const holder = setup({ redis });
      const other = setup({ redis });

      await holder.reconciler.sweep();
      await other.reconciler.sweep();

      expect(holder.tasks.stale).toHaveBeenCalledTimes(1);
      expect(other.tasks.stale).not.toHaveBeenCalled();
    });

    it('takes the lease for a few sweep periods and renews it on every sweep it holds', async () => {
      const t = setup();

      await t.reconciler.sweep();
      await t.reconciler.sweep();

      expect(t.redis.set).toHaveBeenCalledWith(expect.any(String), expect.any(String), 'PX', expect.any(Number), 'NX');
      const ttl = t.redis.set.mock.calls[0][3];
      expect(ttl).toBeGreaterThan(RECONCILE_MS);
      expect(t.redis.pexpire).toHaveBeenCalledWith(expect.any(String), ttl);
      expect(t.tasks.stale).toHaveBeenCalledTimes(2);
    });

    it('lets another reconciler take over once the lease has expired', async () => {
      const redis = fakeLeaseRedis();
      const first = setup({ redis });
      const second = setup({ redis });
      await first.reconciler.sweep();

      redis.keys.clear(); // the holder died; its lease ran out

      await second.reconciler.sweep();
      await first.reconciler.sweep();
      expect(second.tasks.stale).toHaveBeenCalledTimes(1);
      expect(first.tasks.stale).toHaveBeenCalledTimes(1);
    });

    it('looks for tasks stale for one sweep period', async () => {
      const t = setup();

      await t.reconciler.sweep();

      expect(t.tasks.stale).toHaveBeenCalledWith(RECONCILE_MS, expect.any(Number));
    });
  });

  describe('queued heads', () => {
    it('queues a head that has no job, with the task id as job id and the task data', async () => {
      const task = ref();
      const t = setup({ heads: [task] });

      await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 1, woken: 0, announced: 0 });

      expect(t.queue.add).toHaveBeenCalledWith(
        SPEAK_JOB,
        {
          tenantId: 'tenant-1',
          sessionId: 'session-1',
          taskId: 'task-1',
          seq: 3,
          durationEstimateMs: 1500,
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
        { ...SPEAK_JOB_OPTIONS, jobId: 'task-1' },
      );
    });

    it('leaves out a missing trace context', async () => {
      const t = setup({ heads: [ref({ traceparent: null })] });

      await t.reconciler.sweep();

      expect(t.queue.add.mock.calls[0][1].traceparent).toBeUndefined();
    });

    it('wakes a head whose job is parked (delayed)', async () => {
      const t = setup({ heads: [ref()], states: { 'task-1': 'delayed' } });

      await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 0, woken: 1, announced: 0 });

      expect(t.order.wake).toHaveBeenCalledWith('task-1');
      expect(t.queue.add).not.toHaveBeenCalled();
    });

    it.each(['waiting', 'active'] as const)('leaves a head whose job is %s alone', async (state) => {
      const t = setup({ heads: [ref()], states: { 'task-1': state } });

      await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 0, woken: 0, announced: 0 });

      expect(t.order.wake).not.toHaveBeenCalled();
      expect(t.queue.add).not.toHaveBeenCalled();
      expect(t.removed).toEqual([]);
    });

    it.each(['completed', 'failed'] as const)('replaces the %s job of a task still queued: removed, then added again', async (state) => {
      const t = setup({ heads: [ref()], states: { 'task-1': state } });
      const order: string[] = [];
      t.queue.add.mockImplementation(async () => void order.push('add'));
      const getJob = t.queue.getJob.getMockImplementation()!;
      t.queue.getJob.mockImplementation(async (id: string) => {
        const job = await getJob(id);
        job!.remove.mockImplementation(async () => void order.push('remove'));
        return job;
      });

      await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 1, woken: 0, announced: 0 });

      expect(order).toEqual(['remove', 'add']);
      expect(t.queue.add).toHaveBeenCalledWith(SPEAK_JOB, expect.objectContaining({ taskId: 'task-1' }), expect.objectContaining({ jobId: 'task-1' }));
    });

    it('handles each head on its own', async () => {
      const t = setup({
        heads: [ref({ id: 'a' }), ref({ id: 'b' }), ref({ id: 'c' })],
        states: { a: 'delayed', c: 'active' },
      });

      await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 1, woken: 1, announced: 0 });

      expect(t.order.wake).toHaveBeenCalledWith('a');
      expect(t.queue.add).toHaveBeenCalledWith(SPEAK_JOB, expect.objectContaining({ taskId: 'b' }), expect.objectContaining({ jobId: 'b' }));
    });
  });

  describe('unannounced endings', () => {
    it('announces each in its own scope with the ending of its status, without idle', async () => {
      const t = setup({
        unannounced: [
          ref({ id: 'a', status: 'completed', spokenSeconds: 2.5 }),
          ref({ id: 'b', status: 'failed', error: 'vendor down', tenantId: TenantScopes.ofRecord('tenant-2'), sessionId: 'session-9' }),
          ref({ id: 'c', status: 'interrupted' }),
        ],
      });

      await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 0, woken: 0, announced: 3 });

      expect(t.endings.announce.mock.calls).toEqual([
        [expect.objectContaining({ tenantId: 'tenant-1', sessionId: 'session-1' }), [{ taskId: 'a', ending: { type: 'task.completed', duration: 2.5 } }], { idle: false }],
        [expect.objectContaining({ tenantId: 'tenant-2', sessionId: 'session-9' }), [{ taskId: 'b', ending: { type: 'task.failed', error: 'vendor down' } }], { idle: false }],
        [expect.objectContaining({ tenantId: 'tenant-1', sessionId: 'session-1' }), [{ taskId: 'c', ending: { type: 'task.interrupted' } }], { idle: false }],
      ]);
    });
  });

  it('counts each repair by action and reason (avatar_reaper_actions_total)', async () => {
    const t = setup({
      heads: [ref({ id: 'no-job' }), ref({ id: 'parked' }), ref({ id: 'done' })],
      states: { parked: 'delayed', done: 'completed' },
      unannounced: [ref({ id: 'lost', status: 'failed', error: 'vendor down' })],
    });

    await t.reconciler.sweep();

    expect(await t.metrics.values('reaperActions')).toEqual([
      { labels: { action: 'queue_task', reason: 'no_job' }, value: 1 },
      { labels: { action: 'wake_task', reason: 'parked_head' }, value: 1 },
      { labels: { action: 'queue_task', reason: 'job_completed' }, value: 1 },
      { labels: { action: 'announce_ending', reason: 'failed' }, value: 1 },
    ]);
  });

  it('repairs nothing and touches no queue when nothing is stale', async () => {
    const t = setup();

    await expect(t.reconciler.sweep()).resolves.toEqual({ queued: 0, woken: 0, announced: 0 });

    expect(t.queue.getJob).not.toHaveBeenCalled();
    expect(t.endings.announce).not.toHaveBeenCalled();
  });
});
