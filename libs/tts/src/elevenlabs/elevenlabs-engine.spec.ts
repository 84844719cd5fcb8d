import { ProviderError } from '@avatar/providers';
// Until libs/testing/src/index.ts exports it: then '@avatar/testing'.
import { ElevenLabsFake } from '@avatar/testing';
import { measuredFrequency } from '../pcm/pcm-test-signals';
import { ElevenLabsEngine } from './elevenlabs-engine';
import { pcmOutputRate } from './pcm-output-format';

const TEXT = 'Hello from the cloud voice.';

describe('ElevenLabsEngine', () => {
  let fake: ElevenLabsFake;
  let engine: ElevenLabsEngine;

  beforeAll(async () => {
    fake = await new ElevenLabsFake().start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.clearFaults();
    engine = new ElevenLabsEngine({ apiUrl: fake.url, apiKey: ElevenLabsFake.API_KEY, timeoutMs: 2000 });
  });

  async function failure(promise: Promise<unknown>): Promise<ProviderError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }

  it('posts the text, model and the given voice settings with the key, asking for PCM at the rate', async () => {
    const speech = await engine.synthesize({ text: TEXT, voiceId: 'voice-1', voiceSettings: { stability: 0.3, similarity_boost: 0.8, speed: 1.5 }, sampleRate: 24_000 });
    const [call] = fake.ttsCalls;
    expect(call.path).toBe('/v1/text-to-speech/voice-1');
    expect(call.query).toEqual({ output_format: 'pcm_24000' });
    expect(call.headers['xi-api-key']).toBe(ElevenLabsFake.API_KEY);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body).toEqual({ text: TEXT, model_id: 'eleven_multilingual_v2', voice_settings: { stability: 0.3, similarity_boost: 0.8 } });
    // An offered rate: the vendor's bytes, untouched.
    expect(speech.pcm.equals(ElevenLabsFake.tone(TEXT, 24_000))).toBe(true);
    expect(speech).toMatchObject({ sampleRate: 24_000, durationS: speech.pcm.length / 2 / 24_000 });
  });

  it('sends only the settings given, none at all when none are, and uses the default voice and model', async () => {
    const custom = new ElevenLabsEngine({ apiUrl: `${fake.url}/`, apiKey: ElevenLabsFake.API_KEY, modelId: 'eleven_flash_v2_5' });
    await custom.synthesize({ text: TEXT, voiceSettings: { stability: 0.5 }, sampleRate: 16_000 });
    await custom.synthesize({ text: TEXT, sampleRate: 16_000 });
    const [withOne, withNone] = fake.ttsCalls;
    expect(withOne.path).toBe(`/v1/text-to-speech/${ElevenLabsFake.VOICE_ID}`);
    expect(withOne.body).toEqual({ text: TEXT, model_id: 'eleven_flash_v2_5', voice_settings: { stability: 0.5 } });
    expect(withNone.body).toEqual({ text: TEXT, model_id: 'eleven_flash_v2_5' });
  });

  it('asks for the nearest offered rate at or above the one needed and resamples to exactly it', async () => {
    expect([8000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000].map(pcmOutputRate)).toEqual([8000, 16_000, 16_000, 22_050, 44_100, 44_100, 48_000]);
    const speech = await engine.synthesize({ text: TEXT, voiceId: 'voice-1', sampleRate: 32_000 });
    expect(fake.ttsCalls[0].query.output_format).toBe('pcm_44100');
    expect(speech.sampleRate).toBe(32_000);
    const vendorSeconds = ElevenLabsFake.tone(TEXT, 44_100).length / 2 / 44_100;
    expect(Math.abs(speech.durationS - vendorSeconds)).toBeLessThan(1 / 32_000 + 1e-9);
    expect(measuredFrequency(speech.pcm, 32_000)).toBeCloseTo(220, 0);
  });

  it('escapes the voice id in the path', async () => {
    await failure(engine.synthesize({ text: TEXT, voiceId: '../voices', sampleRate: 16_000 }));
    expect(fake.requests[0].path).toBe('/v1/text-to-speech/..%2Fvoices');
  });

  it('maps a refused key to auth, not retryable, without the key in the message', async () => {
    const wrong = new ElevenLabsEngine({ apiUrl: fake.url, apiKey: 'sk-wrong-key' });
    const err = await failure(wrong.synthesize({ text: TEXT, sampleRate: 16_000 }));
    expect(err).toMatchObject({ kind: 'auth', provider: 'elevenlabs', retryable: false, vendorStatus: 401 });
    expect(err.message).toContain('Invalid API key');
    expect(err.message).not.toContain('sk-wrong-key');
    expect(err.vendorRequestId).toMatch(/^req-\d+$/);
  });

  it('maps a 401 quota_exceeded to quota', async () => {
    fake.fault({ answer: { status: 401, body: { detail: { status: 'quota_exceeded', message: 'This request exceeds your quota of 10000.' } } } });
    expect(await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }))).toMatchObject({ kind: 'quota', retryable: false });
  });

  it('maps an unknown voice to unknown_avatar', async () => {
    const err = await failure(engine.synthesize({ text: TEXT, voiceId: 'nobody', sampleRate: 16_000 }));
    expect(err).toMatchObject({ kind: 'unknown_avatar', retryable: false, vendorStatus: 404 });
    expect(err.message).toContain('A voice with the voice_id nobody was not found.');
    fake.fault({ answer: { status: 400, body: { detail: { status: 'voice_not_found', message: 'A voice for the voice_id x was not found.' } } } });
    expect(await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }))).toMatchObject({ kind: 'unknown_avatar', vendorStatus: 400 });
    // Any 404 on this route is about the voice in its path, whatever the body says.
    fake.fault({ answer: { status: 404, body: { detail: 'Not Found' } } });
    expect(await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }))).toMatchObject({ kind: 'unknown_avatar', vendorStatus: 404 });
  });

  it('maps 429 to rate_limited with the Retry-After it gave', async () => {
    fake.fault({ answer: { status: 429, body: { detail: { status: 'too_many_concurrent_requests', message: 'slow down' } }, headers: { 'retry-after': '7' } } });
    expect(await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }))).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterS: 7, vendorStatus: 429 });
  });

  it.each([500, 502, 503])('maps %i to unavailable, retryable', async (status) => {
    fake.fault({ answer: { status, body: 'upstream exploded' } });
    const err = await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }));
    expect(err).toMatchObject({ kind: 'unavailable', retryable: true, vendorStatus: status });
    expect(err.message).toContain('upstream exploded');
  });

  it('maps a malformed request (422) to rejected', async () => {
    expect(await failure(engine.synthesize({ text: '', sampleRate: 16_000 }))).toMatchObject({ kind: 'rejected', retryable: false, vendorStatus: 422 });
  });

  it('maps a dropped connection to connection and a slow answer to timeout', async () => {
    fake.fault({ drop: true });
    expect(await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }))).toMatchObject({ kind: 'connection', retryable: true });
    const impatient = new ElevenLabsEngine({ apiUrl: fake.url, apiKey: ElevenLabsFake.API_KEY, timeoutMs: 100 });
    fake.fault({ delayMs: 1000 });
    expect(await failure(impatient.synthesize({ text: TEXT, sampleRate: 16_000 }))).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('gives up at once with the caller’s reason when aborted', async () => {
    fake.fault({ delayMs: 1000 });
    const abort = new AbortController();
    const speaking = engine.synthesize({ text: TEXT, sampleRate: 16_000 }, abort.signal);
    setTimeout(() => abort.abort(new Error('interrupted')), 50);
    await expect(speaking).rejects.toThrow('interrupted');
  });

  it('refuses a sample rate outside 8–48 kHz without a call', async () => {
    expect(await failure(engine.synthesize({ text: TEXT, sampleRate: 96_000 }))).toMatchObject({ kind: 'rejected' });
    expect(fake.requests).toHaveLength(0);
  });
});
