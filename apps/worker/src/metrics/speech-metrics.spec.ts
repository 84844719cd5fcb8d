import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { Metrics } from '@avatar/observability';
import { ActiveSpeech } from '../speech/active-speech';
import type { SpeechProcessor } from '../speech/speech.processor';
import { RetryableSpeechError } from '../speech/use-cases/run-speech-task.use-case';
import { jobFailure, SpeechMetrics } from './speech-metrics';

function setup(counts: () => Promise<Record<string, number>>) {
  const metrics = new Metrics('worker', { processMetrics: false });
  const worker = new EventEmitter();
  const active = new ActiveSpeech();
  const queue = { getJobCounts: jest.fn(counts) };
  new SpeechMetrics(metrics, { worker } as unknown as SpeechProcessor, active, queue as unknown as Queue).onApplicationBootstrap();
  return { metrics, worker, active, queue };
}

const job = (processedOn: number, finishedOn: number) => ({ processedOn, finishedOn });

beforeEach(() => jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('SpeechMetrics', () => {
  it("reports the speech queue's depth by state at scrape time", async () => {
    const t = setup(async () => ({ waiting: 4, active: 2, delayed: 7 }));
    await t.metrics.text();
    expect(t.queue.getJobCounts).toHaveBeenCalledWith('waiting', 'active', 'delayed');
    expect((await t.metrics.values('speechQueueJobs')).map((v) => [v.labels.state, v.value])).toEqual([
      ['waiting', 4],
      ['active', 2],
      ['delayed', 7],
    ]);
  });

  it('shows no queue series when Redis does not answer (no made-up depth)', async () => {
    const t = setup(async () => {
      throw new Error('Redis down');
    });
    await t.metrics.text();
    expect(await t.metrics.values('speechQueueJobs')).toEqual([]);
  });

  it('reports the tasks this worker speaks now', async () => {
    const t = setup(async () => ({}));
    t.active.begin('session-1', 'task-1');
    await t.metrics.text();
    expect(await t.metrics.values('speechTasksSpeaking')).toEqual([expect.objectContaining({ value: 1 })]);
  });

  it('times each job that ended, from taking it to its end, by outcome', async () => {
    const t = setup(async () => ({}));
    t.worker.emit('completed', job(1000, 3500), 'spoken');
    t.worker.emit('completed', job(1000, 1200), 'interrupted');
    t.worker.emit('failed', job(1000, 1100), new UnrecoverableError('task failed'));
    t.worker.emit('failed', job(1000, 1050), new RetryableSpeechError('vendor busy'));
    t.worker.emit('failed', undefined, new Error('no job'));

    const counts = (await t.metrics.values('speechJobDuration')).filter((v) => v.metricName === 'avatar_speech_job_duration_seconds_sum');
    expect(counts.map((v) => [v.labels.outcome, v.value])).toEqual([
      ['spoken', 2.5],
      ['interrupted', 0.2],
      ['failed', 0.1],
      ['retried', 0.05],
    ]);
  });

  it('names a failure: failed for good, retried after a transient error, or error', () => {
    expect(jobFailure(new UnrecoverableError('x'))).toBe('failed');
    expect(jobFailure(new RetryableSpeechError('x'))).toBe('retried');
    expect(jobFailure(new Error('x'))).toBe('error');
  });
});
