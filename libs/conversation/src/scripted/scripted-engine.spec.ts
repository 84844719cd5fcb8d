import { ChatMessage } from '../conversation-engine';
import { SentenceSplitter } from '../sentences/sentence-splitter';
import { SCRIPTED_DISCLAIMER, ScriptedEngine, scriptedReply } from './scripted-engine';

async function collect(engine: ScriptedEngine, messages: ChatMessage[], signal = new AbortController().signal): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of engine.reply({ messages }, signal)) deltas.push(delta);
  return deltas;
}

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('ScriptedEngine', () => {
  const engine = new ScriptedEngine({ delayMs: 0 });

  it('names itself scripted', () => {
    expect(engine.name).toBe('scripted');
    expect(engine.defaultModel).toBe('scripted');
  });

  it('opens every reply saying it is an offline script, and echoes the last user message', async () => {
    const deltas = await collect(engine, [{ role: 'system', content: 'Be nice.' }, user('first'), { role: 'assistant', content: 'x' }, user('I like   trains.')]);
    const text = deltas.join('');
    expect(text.startsWith(`${SCRIPTED_DISCLAIMER} You said: "I like trains." `)).toBe(true);
    expect(text).toContain('Configure a chat model');
    expect(text).not.toContain('first');
  });

  it('picks its canned line by a simple pattern: greeting, question, anything else, nothing', () => {
    expect(scriptedReply([user('Hello there')])).toContain('I can only echo what you say');
    expect(scriptedReply([user('good morning!')])).toContain('I can only echo what you say');
    expect(scriptedReply([user('What is the time?')])).toContain('That sounds like a question');
    expect(scriptedReply([user('Paint it blue.')])).toContain('I only repeat it back');
    expect(scriptedReply([{ role: 'system', content: 'x' }])).toBe(`${SCRIPTED_DISCLAIMER} I received no words to echo. Configure a chat model to have a real conversation.`);
    expect(scriptedReply([user('   ')])).toContain('I received no words to echo.');
  });

  it('is deterministic', async () => {
    const messages = [user('Tell me a story?')];
    expect(await collect(engine, messages)).toEqual(await collect(new ScriptedEngine({ delayMs: 0 }), messages));
  });

  it('streams word-sized deltas that add up to the reply', async () => {
    const messages = [user('Hello, how are you?')];
    const deltas = await collect(engine, messages);
    expect(deltas.join('')).toBe(scriptedReply(messages));
    expect(deltas.length).toBeGreaterThan(10);
    for (const delta of deltas) expect(delta).toMatch(/^\s?\S+$/);
  });

  it('bounds the echo of long input, cutting at a word', () => {
    const long = 'word '.repeat(100).trim();
    const reply = scriptedReply([user(long)], 200);
    const echoed = /You said: "(.*?)"/.exec(reply)![1];
    expect(echoed.endsWith('word…')).toBe(true);
    expect(echoed.length).toBeLessThanOrEqual(201);
    expect(scriptedReply([user('x'.repeat(500))], 50)).toContain(`"${'x'.repeat(50)}…"`);
  });

  it('waits the delay before each delta', async () => {
    jest.useFakeTimers();
    try {
      const slow = new ScriptedEngine({ delayMs: 1000 });
      const iterator = slow.reply({ messages: [user('Hi')] }, new AbortController().signal)[Symbol.asyncIterator]();
      let first: IteratorResult<string> | undefined;
      void iterator.next().then((r) => (first = r));
      await jest.advanceTimersByTimeAsync(999);
      expect(first).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(first).toEqual({ done: false, value: '(Offline' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops with the signal reason when aborted midway', async () => {
    const controller = new AbortController();
    const slow = new ScriptedEngine({ delayMs: 5 });
    const deltas: string[] = [];
    const reason = new Error('client went away');
    const done = (async () => {
      for await (const delta of slow.reply({ messages: [user('Hi')] }, controller.signal)) {
        deltas.push(delta);
        if (deltas.length === 2) controller.abort(reason);
      }
    })();
    await expect(done).rejects.toBe(reason);
    expect(deltas).toHaveLength(2);
  });

  it('reads well through the sentence splitter', async () => {
    const splitter = new SentenceSplitter();
    const sentences = (await collect(engine, [user('Hello!')])).flatMap((d) => splitter.push(d));
    sentences.push(splitter.flush()!);
    expect(sentences).toEqual([
      '(Offline scripted responder — no chat model is configured.)',
      'You said: "Hello!"',
      'Hello!',
      'I can only echo what you say and read a few fixed lines.',
      'Configure a chat model to have a real conversation.',
    ]);
  });
});
