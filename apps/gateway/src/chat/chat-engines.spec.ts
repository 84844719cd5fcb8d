import { TenantScopes } from '@avatar/contracts';
import { OPENAI_COMPATIBLE_ENGINE, SCRIPTED_ENGINE, type ConversationEngine } from '@avatar/conversation';
import type { VendorCredentials, VendorCredentialsReader } from '@avatar/tenancy';
import type { GatewayConfig } from '../gateway-config';
import { CHAT_CREDENTIALS, ChatEngines } from './chat-engines';

const TENANT = TenantScopes.ofRecord('tenant-1');
const PLATFORM = { CHAT_API_URL: 'https://platform.example/v1', CHAT_API_KEY: 'platform-key', CHAT_MODEL: 'platform-model' };
const LIMITS = { CHAT_FIRST_TOKEN_TIMEOUT_MS: 1000, CHAT_STALL_TIMEOUT_MS: 1000, CHAT_MAX_REPLY_CHARS: 4000 };

function setup(own: VendorCredentials | null, platform: Partial<typeof PLATFORM> = PLATFORM) {
  const credentials = { credentialsFor: jest.fn(async () => own) };
  const engines = new ChatEngines(credentials as unknown as VendorCredentialsReader, { ...LIMITS, ...platform } as unknown as GatewayConfig);
  return { engines, credentials };
}

// The engine takes the global fetch when it is built: stub it before each test builds one.
let fetchSpy: jest.SpiedFunction<typeof fetch>;
beforeEach(() => {
  fetchSpy = jest.spyOn(globalThis, 'fetch');
  fetchSpy.mockImplementation(async () => new Response('data: {"choices":[{"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n', { headers: { 'content-type': 'text/event-stream' } }));
});

/** Where the engine sends its request, with which key and model: one reply against the stubbed fetch. */
async function wireCallOf(engine: ConversationEngine) {
  for await (const _ of engine.reply({ messages: [{ role: 'user', content: 'hi' }] }, new AbortController().signal)) void _;
  const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
  const headers = init.headers as Record<string, string>;
  return { url, authorization: headers.authorization, model: JSON.parse(init.body as string).model as string };
}

afterEach(() => jest.restoreAllMocks());

describe('ChatEngines', () => {
  it("uses the tenant's own API (stored as `chat` credentials) with its own key and model", async () => {
    const t = setup({ api_url: 'https://tenant.example/v1', api_key: 'tenant-key', model: 'tenant-model' });

    const engine = await t.engines.for(TENANT);

    expect(t.credentials.credentialsFor).toHaveBeenCalledWith(TENANT, CHAT_CREDENTIALS);
    expect(engine.name).toBe(OPENAI_COMPATIBLE_ENGINE);
    expect(engine.defaultModel).toBe('tenant-model');
    await expect(wireCallOf(engine)).resolves.toEqual({ url: 'https://tenant.example/v1/chat/completions', authorization: 'Bearer tenant-key', model: 'tenant-model' });
  });

  it("never sends the platform's key to the tenant's URL, even when the tenant stored no key", async () => {
    const t = setup({ api_url: 'https://tenant.example/v1' });

    const call = await wireCallOf(await t.engines.for(TENANT));

    expect(call.url).toBe('https://tenant.example/v1/chat/completions');
    expect(call.authorization).toBeUndefined();
  });

  it("uses the tenant's key alone with the platform's URL", async () => {
    const t = setup({ api_key: 'tenant-key' });

    const engine = await t.engines.for(TENANT);

    expect(engine.name).toBe(OPENAI_COMPATIBLE_ENGINE);
    await expect(wireCallOf(engine)).resolves.toMatchObject({ url: 'https://platform.example/v1/chat/completions', authorization: 'Bearer tenant-key' });
  });

  it("uses the platform's API, key and model when the tenant stored nothing", async () => {
    const t = setup(null);

    const engine = await t.engines.for(TENANT);

    expect(engine.name).toBe(OPENAI_COMPATIBLE_ENGINE);
    expect(engine.defaultModel).toBe('platform-model');
    await expect(wireCallOf(engine)).resolves.toEqual({ url: 'https://platform.example/v1/chat/completions', authorization: 'Bearer platform-key', model: 'platform-model' });
  });

  it("takes the tenant's model over the platform's, and the platform's when the tenant names none", async () => {
    expect((await setup({ api_key: 'tenant-key', model: 'tenant-model' }).engines.for(TENANT)).defaultModel).toBe('tenant-model');
    expect((await setup({ api_key: 'tenant-key' }).engines.for(TENANT)).defaultModel).toBe('platform-model');
  });

  it('falls back to the offline scripted engine when no URL is configured anywhere (a key alone is not enough)', async () => {
    expect((await setup(null, {}).engines.for(TENANT)).name).toBe(SCRIPTED_ENGINE);
    expect((await setup({ api_key: 'tenant-key' }, {}).engines.for(TENANT)).name).toBe(SCRIPTED_ENGINE);
    expect((await setup(null, { CHAT_API_KEY: 'platform-key', CHAT_MODEL: 'platform-model' }).engines.for(TENANT)).name).toBe(SCRIPTED_ENGINE);
  });
});
