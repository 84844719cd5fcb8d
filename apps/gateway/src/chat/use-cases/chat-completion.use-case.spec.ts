import { ChatCompletionResponse, ParsedChatCompletionRequest, PlatformError, TenantScopes } from '@avatar/contracts';
import type { ConversationEngine, ConversationRequest } from '@avatar/conversation';
import type { EventPublisher, SessionScope } from '@avatar/messaging';
import type { ChatMessageRow, ChatMessagesRepository, ChatTurnResult, NewChatTurn } from '@avatar/persistence';
import { ProviderError } from '@avatar/providers';
import type { SpeechTaskQueue } from '@avatar/speech';
import { caughtPlatformError, fakeEventPublisher } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import type { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import type { ChatEngines } from '../chat-engines';
import { ReplySpeech, ReplySpeechOptions } from '../reply-speech';
import type { SessionInterrupts } from '../session-interrupts';
import { chatFailure, ChatCompletionUseCase, ChatReplySink } from './chat-completion.use-case';

// ReplySpeech is a collaborator here (its own rules are pinned in reply-speech.spec.ts):
// the fake records the sentences it is given and answers what each test says.
jest.mock('../reply-speech', () => ({ ReplySpeech: jest.fn() }));

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '22222222-2222-4222-8222-222222222222';
const SCOPE: SessionScope = { tenantId: TENANT, sessionId: SESSION };
const CONFIG = { CHAT_HISTORY_MESSAGES: 40, SPEECH_WORDS_PER_MINUTE: 150 } as unknown as GatewayConfig;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A step of the fake engine: a delta to yield, or something to do (fire an interrupt, fail) before the next. */
type Step = string | ((signal: AbortSignal) => void);

/** An engine that plays `steps` and, like a real one, throws once its signal aborted. */
function fakeEngine(steps: Step[]) {
  const calls: Array<{ request: ConversationRequest; signal: AbortSignal }> = [];
  const state = { closed: false };
  const engine: ConversationEngine = {
    name: 'fake',
    defaultModel: 'default-model',
    reply(request, signal) {
      calls.push({ request, signal });
      return (async function* () {
        try {
          for (const step of steps) {
            if (typeof step === 'string') yield step;
            else step(signal);
            signal.throwIfAborted();
          }
        } finally {
          state.closed = true;
        }
      })();
    },
  };
  return { engine, calls, state };
}

interface SetupOptions {
  turn?: ChatTurnResult;
  /** The stored conversation the repository answers, given this turn's reply id. */
  history?: (replyId: string) => ChatMessageRow[];
  /** ReplySpeech.say's answer per sentence (true unless said). */
  say?: (sentence: string) => boolean;
}

function row(id: string, role: ChatMessageRow['role'], content: string, status: ChatMessageRow['status'] = 'complete'): ChatMessageRow {
  return { id, seq: 0, role, content, status, model: null, createdAt: new Date(), endedAt: null };
}

function setup(steps: Step[], options: SetupOptions = {}) {
  const log: string[] = [];
  const chat = {
    startTurn: jest.fn(async (_t: string, _s: string, _turn: NewChatTurn): Promise<ChatTurnResult> => options.turn ?? { outcome: 'started', interruptSeq: 4 }),
    conversation: jest.fn(async (): Promise<ChatMessageRow[]> => options.history?.(replyId()) ?? [row('u1', 'user', 'Hi'), row(replyId(), 'assistant', '', 'streaming')]),
    endReply: jest.fn(async () => true),
  };
  const replyId = () => chat.startTurn.mock.calls[0][2].reply.id;
  const speechQueue = {} as SpeechTaskQueue;
  const events = fakeEventPublisher();
  const { engine, calls, state } = fakeEngine(steps);
  const engines = { for: jest.fn(async () => engine) };
  const unwatch = jest.fn();
  let onInterrupt: (() => void) | undefined;
  const interrupts = {
    watch: jest.fn((_scope: SessionScope, callback: () => void) => {
      onInterrupt = callback;
      return unwatch;
    }),
  };
  const settings = { settingsOf: jest.fn(async () => ({ quotas: { max_queued_tasks_per_session: 20 } })) };

  const speeches: Array<{ options: ReplySpeechOptions; said: string[]; taskIds: string[] }> = [];
  (ReplySpeech as unknown as jest.Mock).mockImplementation((queue: unknown, publisher: unknown, speechOptions: ReplySpeechOptions) => {
    expect([queue, publisher]).toEqual([speechQueue, events]);
    const speech = {
      options: speechOptions,
      said: [] as string[],
      taskIds: [] as string[],
      say: jest.fn(async (sentence: string) => {
        log.push(`say:${sentence}`);
        speech.said.push(sentence);
        const ok = options.say?.(sentence) ?? true;
        if (ok) speech.taskIds.push(`task-${speech.taskIds.length + 1}`);
        return ok;
      }),
    };
    speeches.push(speech);
    return speech;
  });

  const sink: ChatReplySink & { started: jest.Mock; delta: jest.Mock } = {
    started: jest.fn(() => log.push('started')),
    delta: jest.fn((text: string) => log.push(`delta:${text}`)),
  };
  const caller = new AbortController();
  const useCase = new ChatCompletionUseCase(
    chat as unknown as ChatMessagesRepository,
    speechQueue,
    events as unknown as EventPublisher,
    engines as unknown as ChatEngines,
    interrupts as unknown as SessionInterrupts,
    settings as unknown as TenantSettingsCache,
    CONFIG,
  );
  const run = (request: Partial<ParsedChatCompletionRequest> = {}) =>
    useCase.execute(TENANT, { session_id: SESSION, messages: [{ role: 'user', content: 'Hi' }], stream: false, ...request }, sink, caller.signal);
  return {
    run,
    chat,
    replyId,
    events,
    engines,
    calls,
    engineState: state,
    interrupts,
    unwatch,
    settings,
    speeches,
    sink,
    log,
    caller,
    fireInterrupt: () => onInterrupt!(),
  };
}

afterEach(() => jest.clearAllMocks());

describe('ChatCompletionUseCase', () => {
  describe('turn start', () => {
    it.each([
      [{ outcome: 'session_not_found' } as ChatTurnResult, 'SESSION_NOT_FOUND', 404, { session_id: SESSION }],
      [{ outcome: 'session_not_active', status: 'stopped' } as ChatTurnResult, 'SESSION_NOT_ACTIVE', 409, { session_id: SESSION, status: 'stopped' }],
    ])('refuses %j with %s and does nothing else', async (turn, code, status, details) => {
      const t = setup(['Hello.'], { turn });

      const err = await caughtPlatformError(t.run());

      expect({ code: err.code, status: err.status, details: err.details }).toEqual({ code, status, details });
      expect(t.events.publishAll).not.toHaveBeenCalled();
      expect(t.events.publish).not.toHaveBeenCalled();
      expect(t.settings.settingsOf).not.toHaveBeenCalled();
      expect(t.interrupts.watch).not.toHaveBeenCalled();
      expect(t.chat.conversation).not.toHaveBeenCalled();
      expect(t.calls).toHaveLength(0);
      expect(t.chat.endReply).not.toHaveBeenCalled();
      expect(t.speeches).toHaveLength(0);
      expect(t.sink.started).not.toHaveBeenCalled();
    });

    it("stores the turn's messages (each with its own id, in order) and the reply placeholder with the requested model", async () => {
      const t = setup([]);

      await t.run({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], model: 'asked-model' });

      const [tenantId, sessionId, turn] = t.chat.startTurn.mock.calls[0];
      expect([tenantId, sessionId]).toEqual([TENANT, SESSION]);
      expect(turn.messages).toEqual([
        { id: expect.stringMatching(UUID), role: 'system', content: 'Be brief.' },
        { id: expect.stringMatching(UUID), role: 'user', content: 'Hi' },
      ]);
      expect(turn.messages[0].id).not.toBe(turn.messages[1].id);
      expect(turn.reply).toEqual({ id: expect.stringMatching(UUID), model: 'asked-model' });
      expect(t.engines.for).toHaveBeenCalledWith(TENANT);
    });

    it("takes the engine's default model when the request names none", async () => {
      const t = setup([]);

      const response = await t.run();

      expect(t.chat.startTurn.mock.calls[0][2].reply.model).toBe('default-model');
      expect(t.calls[0].request.model).toBe('default-model');
      expect(response.model).toBe('default-model');
    });
  });

  it("announces the user's messages of the turn as chat events (system messages are not shown), before the reply", async () => {
    const t = setup(['Fine, thanks.']);

    await t.run({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'How are you?' },
      ],
    });

    expect(t.events.publishAll).toHaveBeenCalledWith(SCOPE, [
      { type: 'chat', role: 'user', content: 'Hi' },
      { type: 'chat', role: 'user', content: 'How are you?' },
    ]);
    expect(t.events.published.map((p) => p.event)).toEqual([
      { type: 'chat', role: 'user', content: 'Hi' },
      { type: 'chat', role: 'user', content: 'How are you?' },
      { type: 'chat', role: 'agent', content: 'Fine, thanks.' },
    ]);
  });

  it("gives the engine the stored conversation, without this reply's placeholder and without empty replies", async () => {
    const t = setup(['Sure.'], {
      history: (replyId) => [
        row('s1', 'system', 'Be brief.'),
        row('u1', 'user', 'Hello'),
        row('a1', 'assistant', 'Hi! How can I help?'),
        row('u2', 'user', 'Tell me more'),
        row('a2', 'assistant', '', 'failed'),
        row('a3', 'assistant', '  \n', 'interrupted'),
        row('u3', 'user', 'Go on'),
        // Left out by its id, whatever it holds.
        row(replyId, 'assistant', 'placeholder text', 'streaming'),
      ],
    });

    await t.run({ model: 'asked-model' });

    expect(t.chat.conversation).toHaveBeenCalledWith(TENANT, SESSION, 40);
    expect(t.calls[0].request).toEqual({
      model: 'asked-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Tell me more' },
        { role: 'user', content: 'Go on' },
      ],
    });
  });

  it('says the reply has started once, before its first piece, and passes every piece on in order', async () => {
    const t = setup(['Hel', 'lo', ' you']);

    await t.run();

    expect(t.sink.started).toHaveBeenCalledTimes(1);
    expect(t.log.filter((entry) => !entry.startsWith('say:'))).toEqual(['started', 'delta:Hel', 'delta:lo', 'delta: you']);
  });

  it("speaks each sentence the moment it is complete, and the unfinished rest when the reply ends, in the turn's speech line", async () => {
    const t = setup(['Hello there. How', ' are you? I am', ' fine']);

    await t.run();

    expect(t.log).toEqual([
      'started',
      'delta:Hello there. How',
      'say:Hello there.',
      'delta: are you? I am',
      'say:How are you?',
      'delta: fine',
      'say:I am fine',
    ]);
    expect(t.speeches).toHaveLength(1);
    expect(t.speeches[0].options).toEqual({ tenantId: TENANT, sessionId: SESSION, replyId: t.replyId(), interruptSeq: 4, maxPending: 20, wordsPerMinute: 150 });
    expect(t.settings.settingsOf).toHaveBeenCalledWith(TENANT);
  });

  it('stores the complete reply, announces it as the agent, and answers the completion with its id, model and tasks', async () => {
    const t = setup(['Hello there. ', 'Bye.']);
    const before = Math.floor(Date.now() / 1000);

    const response = await t.run({ model: 'asked-model' });

    const expected: ChatCompletionResponse = {
      id: t.replyId(),
      object: 'chat.completion',
      created: expect.any(Number) as unknown as number,
      model: 'asked-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there. Bye.' }, finish_reason: 'stop' }],
      task_ids: ['task-1', 'task-2'],
    };
    expect(response).toEqual(expected);
    expect(response.created).toBeGreaterThanOrEqual(before);
    expect(response.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(t.chat.endReply).toHaveBeenCalledTimes(1);
    expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello there. Bye.', 'complete');
    expect(t.events.publish).toHaveBeenCalledWith(SCOPE, { type: 'chat', role: 'agent', content: 'Hello there. Bye.' });
    expect(t.interrupts.watch).toHaveBeenCalledWith(SCOPE, expect.any(Function));
    expect(t.unwatch).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['nothing', []],
    ['only whitespace', [' ', '\n']],
  ])('announces no agent message when the reply says %s (but stores it as it ended)', async (_, steps) => {
    const t = setup(steps);

    const response = await t.run();

    expect(t.events.publish).not.toHaveBeenCalled();
    expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), steps.join(''), 'complete');
    expect(response.choices[0].finish_reason).toBe('stop');
  });

  describe('an interrupt ends the reply', () => {
    it("when the session's interrupt arrives (any route): the engine is cut off and the rest is not spoken", async () => {
      const t = setup(['Hello there. And', () => t.fireInterrupt(), ' more. ']);

      const response = await t.run();

      expect(t.calls[0].signal.aborted).toBe(true);
      expect(response.choices[0]).toMatchObject({ finish_reason: 'interrupted', message: { content: 'Hello there. And' } });
      expect(t.speeches[0].said).toEqual(['Hello there.']);
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello there. And', 'interrupted');
      expect(t.events.publish).toHaveBeenCalledWith(SCOPE, { type: 'chat', role: 'agent', content: 'Hello there. And' });
      expect(t.unwatch).toHaveBeenCalledTimes(1);
    });

    it('when the client goes away (the caller signal aborts)', async () => {
      const t = setup(['Hello there', () => t.caller.abort(), ' again.']);

      const response = await t.run();

      expect(t.calls[0].signal.aborted).toBe(true);
      expect(response.choices[0].finish_reason).toBe('interrupted');
      expect(t.speeches[0].said).toEqual([]);
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello there', 'interrupted');
    });

    it('when the speech line refuses a sentence (interrupted since the turn began): no more is read from the engine, nor spoken', async () => {
      const t = setup(['Hello there. How', ' are you? And', 'Never read.'], { say: (sentence) => sentence !== 'How are you?' });

      const response = await t.run();

      expect(t.speeches[0].said).toEqual(['Hello there.', 'How are you?']);
      // The reply stops being read: the engine's stream is closed (its own cleanup cuts the upstream).
      expect(t.engineState.closed).toBe(true);
      expect(t.sink.delta).toHaveBeenCalledTimes(2);
      expect(response.choices[0]).toMatchObject({ finish_reason: 'interrupted', message: { content: 'Hello there. How are you? And' } });
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello there. How are you? And', 'interrupted');
    });

    it('when the speech line refuses the last, unfinished sentence', async () => {
      const t = setup(['Hello there'], { say: () => false });

      const response = await t.run();

      expect(t.speeches[0].said).toEqual(['Hello there']);
      expect(response.choices[0].finish_reason).toBe('interrupted');
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello there', 'interrupted');
    });
    it('when the interrupt arrives while the last sentence is being queued (the engine already done)', async () => {
      const t = setup(['Hello there'], {
        say: () => {
          t.fireInterrupt();
          return true;
        },
      });

      const response = await t.run();

      expect(response.choices[0].finish_reason).toBe('interrupted');
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello there', 'interrupted');
    });
  });

  describe('an engine failure', () => {
    const failure = () => new ProviderError('chat: upstream answered 503', { kind: 'unavailable', provider: 'chat', retryAfterS: 5, vendorStatus: 503 });

    it("stores the reply as failed and answers the provider's code and details", async () => {
      const t = setup([
        'Hello ',
        () => {
          throw failure();
        },
      ]);

      const err = await caughtPlatformError(t.run());

      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.message).toBe('chat: upstream answered 503');
      expect(err.details).toEqual({ provider: 'chat', kind: 'unavailable', retryable: true, retry_after: 5, vendor_status: 503 });
      expect(t.chat.endReply).toHaveBeenCalledTimes(1);
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), 'Hello ', 'failed');
      expect(t.events.publish).not.toHaveBeenCalled();
      expect(t.unwatch).toHaveBeenCalledTimes(1);
    });

    it('before the first piece: the reply never started', async () => {
      const t = setup([
        () => {
          throw failure();
        },
      ]);

      await caughtPlatformError(t.run());

      expect(t.sink.started).not.toHaveBeenCalled();
      expect(t.chat.endReply).toHaveBeenCalledWith(TENANT, t.replyId(), '', 'failed');
    });
  });
});

describe('chatFailure', () => {
  it('keeps a PlatformError as it is', () => {
    const err = PlatformError.sessionNotFound(SESSION);

    expect(chatFailure(err)).toBe(err);
  });

  it("maps a ProviderError to its PROVIDER_* code, message and details (retry_after included)", () => {
    const err = chatFailure(new ProviderError('slow down', { kind: 'rate_limited', provider: 'chat', retryAfterS: 7 }));

    expect(err.toEnvelope()).toEqual({ error: { code: 'PROVIDER_RATE_LIMITED', message: 'slow down', details: { provider: 'chat', kind: 'rate_limited', retryable: true, retry_after: 7 } } });
    expect(err.status).toBe(429);
  });

  it('makes anything else a PROVIDER_ERROR of the chat engine', () => {
    const err = chatFailure(new Error('boom'));

    expect(err.toEnvelope()).toEqual({ error: { code: 'PROVIDER_ERROR', message: 'chat engine failed: boom', details: { provider: 'chat' } } });
  });
});
