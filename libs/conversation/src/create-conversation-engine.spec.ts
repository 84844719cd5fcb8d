import { createConversationEngine } from './create-conversation-engine';
import { OpenAiCompatibleEngine } from './openai/openai-compatible-engine';
import { ScriptedEngine } from './scripted/scripted-engine';

describe('createConversationEngine', () => {
  it('answers with the scripted engine when no API URL is set, even with a key', () => {
    for (const settings of [undefined, {}, { apiUrl: '  ' }, { apiKey: 'sk-1', model: 'gpt-4o' }]) {
      const engine = createConversationEngine(settings);
      expect(engine).toBeInstanceOf(ScriptedEngine);
      expect(engine.name).toBe('scripted');
    }
  });

  it('uses the OpenAI-compatible API when its URL is set, with the model as default', () => {
    const engine = createConversationEngine({ apiUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' });
    expect(engine).toBeInstanceOf(OpenAiCompatibleEngine);
    expect(engine.name).toBe('openai-compatible');
    expect(engine.defaultModel).toBe('llama3.2');
    expect(createConversationEngine({ apiUrl: 'https://api.openai.com/v1', model: '' }).defaultModel).toBe('gpt-4o-mini');
  });

  it('passes the key and fetch on', async () => {
    const fetchImpl = jest.fn(async () => new Response('data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })) as unknown as typeof fetch;
    const engine = createConversationEngine({ apiUrl: 'http://chat.test/v1/', apiKey: ' sk-abc ', fetchImpl });
    for await (const _ of engine.reply({ messages: [{ role: 'user', content: 'hi' }] }, new AbortController().signal)) void _;
    const [url, init] = (fetchImpl as unknown as jest.Mock).mock.calls[0] as [string, RequestInit];
    expect(url).toBe('http://chat.test/v1/chat/completions');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer sk-abc');
  });

  it('passes the timeouts on', async () => {
    const fetchImpl = (() => new Promise(() => undefined)) as unknown as typeof fetch;
    const engine = createConversationEngine({ apiUrl: 'http://chat.test/v1', firstTokenTimeoutMs: 20, fetchImpl });
    const iterator = engine.reply({ messages: [{ role: 'user', content: 'hi' }] }, new AbortController().signal)[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'timeout', message: expect.stringContaining('20 ms') });
  });

  it('refuses an API URL that is not a URL at once', () => {
    expect(() => createConversationEngine({ apiUrl: 'not a url' })).toThrow();
  });
});
