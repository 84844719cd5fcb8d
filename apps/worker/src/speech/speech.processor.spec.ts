import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import type { SpeakJobData } from '@avatar/contracts';
import { TenantScopes } from '@avatar/contracts';
import type { WorkerConfig } from '../worker-config';
import type { ActiveSpeech } from './active-speech';
import type { SpeechOrder } from './speech-order';
import { PARKED_FOR_MS } from './speech-order';
import { SpeechProcessor, speechWorkerOptions } from './speech.processor';
import type { RunOutcome, RunSpeechTaskUseCase } from './use-cases/run-speech-task.use-case';

const DATA: SpeakJobData = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1', taskId: 'task-1', seq: 1 };

function setup(outcome: RunOutcome | Error) {
  const run = { execute: outcome instanceof Error ? jest.fn().mockRejectedValue(outcome) : jest.fn().mockResolvedValue(outcome) };
  const order = { park: jest.fn().mockResolvedValue(undefined) };
  const processor = new SpeechProcessor(
    run as unknown as RunSpeechTaskUseCase,
    order as unknown as SpeechOrder,
    {} as ActiveSpeech,
    { SPEECH_DRAIN_GRACE_MS: 5000 } as WorkerConfig,
  );
  return { processor, run, order };
}

const job = (attemptsMade = 0, attempts = 3) => ({ data: DATA, attemptsMade, opts: { attempts } }) as unknown as Job<SpeakJobData>;

describe('SpeechProcessor', () => {
  it('parks a job whose turn has not come (the default long park) and throws DelayedError', async () => {
    const t = setup('wait');
    const j = job();

    await expect(t.processor.process(j, 'token-1')).rejects.toBeInstanceOf(DelayedError);

    expect(t.order.park).toHaveBeenCalledWith(j, 'token-1');
    expect(PARKED_FOR_MS).toBeGreaterThanOrEqual(60_000);
  });

  it('puts a handed-back job straight back in line (park with 0 delay) and throws DelayedError', async () => {
    const t = setup('handover');
    const j = job();

    await expect(t.processor.process(j, 'token-1')).rejects.toBeInstanceOf(DelayedError);

    expect(t.order.park).toHaveBeenCalledWith(j, 'token-1', 0);
  });

  it('fails a failed task for good (UnrecoverableError: no BullMQ retry)', async () => {
    const t = setup('failed');

    await expect(t.processor.process(job(), 'token-1')).rejects.toBeInstanceOf(UnrecoverableError);

    expect(t.order.park).not.toHaveBeenCalled();
  });

  it.each(['spoken', 'interrupted', 'skipped'] as const)('completes the job when the task was %s', async (outcome) => {
    const t = setup(outcome);

    await expect(t.processor.process(job(), 'token-1')).resolves.toBe(outcome);

    expect(t.order.park).not.toHaveBeenCalled();
  });

  it('lets a retryable error through for BullMQ to retry', async () => {
    const err = new Error('vendor busy');
    const t = setup(err);

    await expect(t.processor.process(job(), 'token-1')).rejects.toBe(err);
  });

  it.each([
    [0, 3, false],
    [1, 3, false],
    [2, 3, true],
    [0, 1, true],
  ])('tells the use case whether this is the last attempt (attemptsMade %i of %i → last %s)', async (made, attempts, last) => {
    const t = setup('spoken');

    await t.processor.process(job(made, attempts), 'token-1');

    expect(t.run.execute).toHaveBeenCalledWith(DATA, { last });
  });

  it("tells the use case when the speak was queued (the job's timestamp): where the speak → first event latency starts", async () => {
    const t = setup('spoken');

    await t.processor.process(Object.assign(job(), { timestamp: 1_700_000_000_123 }), 'token-1');

    expect(t.run.execute).toHaveBeenCalledWith(DATA, { last: false, queuedAt: 1_700_000_000_123 });
  });
});

describe('speechWorkerOptions', () => {
  it('lets a dead worker\'s task be taken over within SPEECH_TAKEOVER_MS (lock expiry + one stalled check), never failing it for the stall', () => {
    const options = speechWorkerOptions({ SPEECH_TAKEOVER_MS: 5000, WORKER_CONCURRENCY: 7 } as WorkerConfig);

    expect(options.concurrency).toBe(7);
    expect(options.lockDuration! + options.stalledInterval!).toBeLessThanOrEqual(5000);
    expect(options.lockRenewTime!).toBeLessThan(options.lockDuration!);
    expect(options.maxStalledCount).toBeGreaterThanOrEqual(1000);
  });
});
