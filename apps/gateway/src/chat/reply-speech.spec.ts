import { Logger } from '@nestjs/common';
import { TenantScopes } from '@avatar/contracts';
import type { EventPublisher } from '@avatar/messaging';
import type { EnqueueResult, NewSpeechTask } from '@avatar/persistence';
import { estimateSpeechSeconds } from '@avatar/providers';
import type { SpeechTaskQueue } from '@avatar/speech';
import { fakeEventPublisher } from '@avatar/testing';
import { ReplySpeech, ReplySpeechOptions } from './reply-speech';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '22222222-2222-4222-8222-222222222222';
const REPLY = '55555555-5555-4555-8555-555555555555';
const OPTIONS: ReplySpeechOptions = { tenantId: TENANT, sessionId: SESSION, replyId: REPLY, interruptSeq: 3, maxPending: 20, wordsPerMinute: 150 };

/** The queue answers each add with the next of `answers` (then queued). */
function setup(...answers: Array<EnqueueResult['outcome'] | EnqueueResult>) {
  const add = jest.fn(async (_t: string, _s: string, task: NewSpeechTask): Promise<EnqueueResult> => {
    const next = answers.shift() ?? 'queued';
    if (typeof next !== 'string') return next;
    if (next === 'queued') return { outcome: 'queued', task: { id: task.id, sessionId: SESSION, seq: add.mock.calls.length } };
    if (next === 'quota_exceeded') return { outcome: 'quota_exceeded', limit: 20, current: 20 };
    if (next === 'session_not_active') return { outcome: 'session_not_active', status: 'stopped' };
    return { outcome: next } as EnqueueResult;
  });
  const events = fakeEventPublisher();
  const speech = new ReplySpeech({ add } as unknown as SpeechTaskQueue, events as unknown as EventPublisher, OPTIONS);
  return { speech, add, events };
}

beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('ReplySpeech', () => {
  it('queues each sentence as a task of the reply, only while the session has had no interrupt since the turn began', async () => {
    const t = setup();
    const sentence = 'Hello there, how are you today?';

    await expect(t.speech.say(sentence)).resolves.toBe(true);

    const [tenantId, sessionId, task, conditions] = t.add.mock.calls[0] as unknown as [string, string, NewSpeechTask, unknown];
    expect([tenantId, sessionId]).toEqual([TENANT, SESSION]);
    expect(task).toMatchObject({ text: sentence, chatMessageId: REPLY, durationEstimateMs: Math.round(estimateSpeechSeconds(sentence, { wordsPerMinute: 150 }) * 1000) });
    expect(task.durationEstimateMs).toBeGreaterThan(0);
    expect(conditions).toEqual({ maxPending: 20, interruptSeq: 3 });
    expect(t.speech.taskIds).toEqual([task.id]);
  });

  it('keeps the queued task ids in speaking order, each sentence its own task', async () => {
    const t = setup();

    await t.speech.say('First one.');
    await t.speech.say('Second one.');

    const ids = t.add.mock.calls.map((call) => (call[2] as NewSpeechTask).id);
    expect(new Set(ids).size).toBe(2);
    expect(t.speech.taskIds).toEqual(ids);
  });

  it('skips a sentence with nothing to say (no speech estimate) and goes on', async () => {
    const t = setup();
    expect(estimateSpeechSeconds('…', { wordsPerMinute: 150 })).toBe(0);

    await expect(t.speech.say('…')).resolves.toBe(true);

    expect(t.add).not.toHaveBeenCalled();
    expect(t.speech.taskIds).toEqual([]);
  });

  it('past the queued-task quota speaks no more of the reply, tells the client ONCE, and lets the reply go on', async () => {
    const t = setup('queued', 'quota_exceeded');

    await t.speech.say('First one.');
    await expect(t.speech.say('Second one.')).resolves.toBe(true);
    await expect(t.speech.say('Third one.')).resolves.toBe(true);
    await expect(t.speech.say('Fourth one.')).resolves.toBe(true);

    expect(t.add).toHaveBeenCalledTimes(2);
    expect(t.speech.taskIds).toHaveLength(1);
    expect(t.events.published).toEqual([
      {
        scope: { tenantId: TENANT, sessionId: SESSION },
        event: { type: 'error', code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/past its sentence 1: .*20 of 20 tasks queued/) },
      },
    ]);
  });

  it.each(['interrupted', 'session_not_active', 'session_not_found'] as const)('answers false when the queue refuses with %s: the reply must end', async (outcome) => {
    const t = setup(outcome);

    await expect(t.speech.say('Hello there.')).resolves.toBe(false);

    expect(t.speech.taskIds).toEqual([]);
    expect(t.events.published).toEqual([]);
  });
});
