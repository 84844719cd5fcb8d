import { decodeWav, EspeakEngine, SynthesisRequest, SynthesizedSpeech, TtsEngine } from '@avatar/tts';
import { AudioEvent, FrameEvent } from '@avatar/contracts';
import { ProviderMediaEvent, ProviderSessionSpec, RecordedSpeech } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { LocalProvider } from './local-provider';
import { fitTrack, framesOf, visemeTrack } from './viseme-track';
import { energyVisemes } from './energy-visemes';

/** A clock that advances only when the provider sleeps: the test runs instantly. */
function fakeClock() {
  let now = 1_700_000_000_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += Math.max(0, ms);
    },
    elapsed: (since: number) => now - since,
  };
}

/** A speech engine that says a 300 Hz square tone for `seconds`, with silence before and after (sharp edges). */
class ToneEngine implements TtsEngine {
  readonly name = 'tone';
  readonly requests: SynthesisRequest[] = [];
  constructor(
    private readonly seconds: number,
    private readonly silence = { before: 0, after: 0 },
  ) {}

  async synthesize(request: SynthesisRequest): Promise<SynthesizedSpeech> {
    this.requests.push(request);
    const rate = request.sampleRate;
    const samples = Math.round(this.seconds * rate);
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) {
      const t = i / rate;
      const voiced = t >= this.silence.before && t < this.seconds - this.silence.after;
      pcm.writeInt16LE(voiced ? (Math.sin(2 * Math.PI * 300 * t) >= 0 ? 8000 : -8000) : 0, i * 2);
    }
    return { pcm, sampleRate: rate, durationS: samples / rate };
  }
}

const baseSpec: ProviderSessionSpec = { tenantId: 't', sessionId: 's', avatarId: 'a', quality: 'medium', credentials: {} };
const audioOf = (events: ProviderMediaEvent[]) => events.filter((e): e is AudioEvent => e.type === 'audio');
const framesIn = (events: ProviderMediaEvent[]) => events.filter((e): e is FrameEvent => e.type === 'frame');

async function speakWith(speech: TtsEngine | undefined, options: { text?: string; audioSampleRate?: number; abortWhen?: (e: ProviderMediaEvent, count: number) => boolean } = {}) {
  const clock = fakeClock();
  const provider = new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25, clock, audioSampleRate: options.audioSampleRate });
  const spec = { ...baseSpec, voiceId: 'en-us', speech };
  const connection = await provider.connect({ spec, providerSessionId: 'local-1' });
  const abort = new AbortController();
  const events: ProviderMediaEvent[] = [];
  const at: number[] = [];
  const t0 = clock.now();
  const outcome = await connection.speak(
    { taskId: 'task-1', text: options.text ?? 'hello there world', voiceSettings: { stability: 0.5 } },
    async (e) => {
      events.push(e);
      at.push(clock.elapsed(t0));
      if (options.abortWhen?.(e, events.length)) abort.abort(new Error('interrupted'));
    },
    abort.signal,
  );
  return { outcome, events, at, elapsed: clock.elapsed(t0) };
}

describe('LocalProvider without a speech engine (load tests)', () => {
  it('speaks the viseme track as frames at the frame rate, taking the speech duration, with no audio', async () => {
    const { outcome, events, elapsed } = await speakWith(undefined);
    expect(outcome).toEqual({ spokenSeconds: 1.2, interrupted: false });
    expect(elapsed).toBe(1200);
    const expected = framesOf(visemeTrack('hello there world', { wordsPerMinute: 150 }), 25);
    expect(events.map((e) => e.type === 'frame' && e.viseme)).toEqual(expected);
    expect(events.map((e) => e.type === 'frame' && e.frame_id)).toEqual(expected.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'frame', task_id: 'task-1', mime_type: 'image/svg+xml', timestamp: 1_700_000_000 });
    expect(Buffer.from((events[0] as FrameEvent).data, 'base64').toString()).toContain('<svg');
  });

  it('stops at the next frame when aborted and reports what was spoken', async () => {
    const { outcome, events } = await speakWith(undefined, { abortWhen: (_, count) => count === 5 });
    expect(events).toHaveLength(5);
    expect(outcome).toEqual({ spokenSeconds: 5 / 25, interrupted: true });
  });
});

describe('LocalProvider with a speech engine', () => {
  it('synthesizes the text in the session voice at the default 24 kHz', async () => {
    const engine = new ToneEngine(1);
    await speakWith(engine);
    expect(engine.requests).toEqual([{ text: 'hello there world', voiceId: 'en-us', voiceSettings: { stability: 0.5 }, sampleRate: 24_000 }]);
  });

  it('sends the audio in one-second WAV pieces, each just before the frames it covers, and lasts exactly the audio', async () => {
    const engine = new ToneEngine(2.5);
    const { outcome, events, at, elapsed } = await speakWith(engine);
    expect(outcome).toEqual({ spokenSeconds: 2.5, interrupted: false });
    expect(elapsed).toBe(2500);

    const audio = audioOf(events);
    expect(audio.map((a) => a.duration)).toEqual([1, 1, 0.5]);
    expect(audio.every((a) => a.task_id === 'task-1' && a.sample_rate === 24_000)).toBe(true);
    // The pieces are playable WAVs that together are the engine's audio.
    const expected = (await new ToneEngine(2.5).synthesize({ text: '', sampleRate: 24_000 })).pcm;
    const decoded = audio.map((a) => decodeWav(Buffer.from(a.data, 'base64')));
    expect(decoded.every((d) => d.sampleRate === 24_000)).toBe(true);
    expect(Buffer.concat(decoded.map((d) => d.pcm)).equals(expected)).toBe(true);

    // 63 frames cover 2.5 s at 25 fps; piece k goes out right before frame 25k, at k seconds.
    expect(framesIn(events)).toHaveLength(63);
    const kinds = events.map((e) => e.type);
    expect([kinds.indexOf('audio'), kinds.indexOf('audio', 1), kinds.lastIndexOf('audio')]).toEqual([0, 26, 52]);
    expect(audio.map((a) => at[events.indexOf(a)])).toEqual([0, 1000, 2000]);
    expect(events[1]).toMatchObject({ type: 'frame', frame_id: 1 });
    expect(events[27]).toMatchObject({ type: 'frame', frame_id: 26 });
  });

  it('fits the mouth to the voiced part of the audio, not to the words-per-minute guess', async () => {
    // The words would take 1.2 s at 150 wpm; the engine says them in 3 s, voiced from 0.5 s to 2.5 s.
    const engine = new ToneEngine(3, { before: 0.5, after: 0.5 });
    const { outcome, events } = await speakWith(engine);
    expect(outcome.spokenSeconds).toBe(3);
    const visemes = framesIn(events).map((f) => f.viseme);
    const track = fitTrack(visemeTrack('hello there world', { wordsPerMinute: 150 }), 3, { start: 0.5, end: 2.5 });
    expect(visemes).toEqual(framesOf(track, 25));
    expect(visemes).toHaveLength(75);
    expect(visemes.slice(0, 12).every((v) => v === 'sil')).toBe(true);
    expect(visemes.slice(63).every((v) => v === 'sil')).toBe(true);
    expect(visemes.slice(13, 62).filter((v) => v !== 'sil').length).toBeGreaterThan(40);
  });

  it('takes the audio rate from audioSampleRate', async () => {
    const engine = new ToneEngine(1);
    const { events } = await speakWith(engine, { audioSampleRate: 16_000 });
    expect(engine.requests[0].sampleRate).toBe(16_000);
    expect(audioOf(events).map((a) => [a.sample_rate, decodeWav(Buffer.from(a.data, 'base64')).sampleRate])).toEqual([[16_000, 16_000]]);
  });

  it('stops frames and audio at once when interrupted, reporting the part played', async () => {
    let pieces = 0;
    const { outcome, events } = await speakWith(new ToneEngine(2.5), { abortWhen: (e) => e.type === 'audio' && ++pieces === 2 });
    expect(outcome).toEqual({ spokenSeconds: 1, interrupted: true });
    // The second piece (at 1 s) was the last thing sent: not even the frame right after it.
    expect(events[events.length - 1]).toMatchObject({ type: 'audio' });
    expect(audioOf(events)).toHaveLength(2);
    expect(framesIn(events)).toHaveLength(25);
  });

  it('reports the played part when interrupted between frames', async () => {
    const { outcome, events } = await speakWith(new ToneEngine(2.5), { abortWhen: (e) => e.type === 'frame' && e.frame_id === 11 });
    expect(outcome).toEqual({ spokenSeconds: 0.44, interrupted: true });
    expect(events[events.length - 1]).toMatchObject({ type: 'frame', frame_id: 11 });
  });

  it('says nothing when interrupted while the audio is being made', async () => {
    const abort = new AbortController();
    const slow: TtsEngine = {
      name: 'slow',
      synthesize: (_request, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
    };
    const provider = new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25, clock: fakeClock() });
    const connection = await provider.connect({ spec: { ...baseSpec, speech: slow }, providerSessionId: 'local-1' });
    const events: ProviderMediaEvent[] = [];
    const speaking = connection.speak({ taskId: 'task-1', text: 'hello' }, async (e) => void events.push(e), abort.signal);
    abort.abort(new Error('interrupted'));
    expect(await speaking).toEqual({ spokenSeconds: 0, interrupted: true });
    expect(events).toEqual([]);
  });

  it('fails the task with the engine’s error', async () => {
    const broken: TtsEngine = {
      name: 'broken',
      synthesize: async () => {
        throw new ProviderError('espeak-ng: not installed', { kind: 'unavailable', provider: 'espeak-ng', retryable: false });
      },
    };
    const provider = new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25, clock: fakeClock() });
    const connection = await provider.connect({ spec: { ...baseSpec, speech: broken }, providerSessionId: 'local-1' });
    await expect(connection.speak({ taskId: 'task-1', text: 'hello' }, async () => undefined, new AbortController().signal)).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });

  it('sends nothing for audio of no length', async () => {
    const { outcome, events } = await speakWith(new ToneEngine(0));
    expect(outcome).toEqual({ spokenSeconds: 0, interrupted: false });
    expect(events).toEqual([]);
  });

  it('speaks real espeak-ng audio in step with its frames', async () => {
    const { outcome, events } = await speakWith(new EspeakEngine({ binary: '/usr/bin/espeak-ng' }), { text: 'Hello there, this is the local avatar speaking.' });
    const audio = audioOf(events);
    const total = audio.reduce((sum, a) => sum + a.duration, 0);
    expect(outcome.interrupted).toBe(false);
    expect(total).toBeGreaterThan(1.5);
    expect(outcome.spokenSeconds).toBeCloseTo(total, 6);
    expect(framesIn(events)).toHaveLength(Math.ceil(total * 25 - 1e-9));
    expect(audio.every((a) => decodeWav(Buffer.from(a.data, 'base64')).sampleRate === 24_000)).toBe(true);
  });
});

/** Recorded audio at `rate`; `at` resamples by nearest sample and records the rates asked for. */
function recorded(pcm: Buffer, rate: number) {
  const asked: number[] = [];
  const speech: RecordedSpeech & { asked: number[] } = {
    pcm,
    sampleRate: rate,
    durationS: pcm.length / 2 / rate,
    asked,
    at(target: number) {
      asked.push(target);
      if (target === rate) return { pcm, sampleRate: rate, durationS: pcm.length / 2 / rate };
      const samples = Math.round(((pcm.length / 2) * target) / rate);
      const out = Buffer.alloc(samples * 2);
      for (let i = 0; i < samples; i++) out.writeInt16LE(pcm.readInt16LE(Math.min(pcm.length / 2 - 1, Math.floor((i * rate) / target)) * 2), i * 2);
      return { pcm: out, sampleRate: target, durationS: samples / target };
    },
  };
  return speech;
}

/** `seconds` of PCM at `rate`: a loud 300 Hz square tone where `voiced(t)`, silence elsewhere. */
function toneOf(seconds: number, rate: number, voiced: (t: number) => boolean = () => true): Buffer {
  const samples = Math.round(seconds * rate);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    pcm.writeInt16LE(voiced(t) ? (Math.sin(2 * Math.PI * 300 * t) >= 0 ? 8000 : -8000) : 0, i * 2);
  }
  return pcm;
}

async function speakRecorded(
  audio: RecordedSpeech,
  options: { speech?: TtsEngine; audioSampleRate?: number; abortWhen?: (e: ProviderMediaEvent, count: number) => boolean } = {},
) {
  const clock = fakeClock();
  const provider = new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25, clock, audioSampleRate: options.audioSampleRate });
  const connection = await provider.connect({ spec: { ...baseSpec, speech: options.speech }, providerSessionId: 'local-1' });
  const abort = new AbortController();
  const events: ProviderMediaEvent[] = [];
  const at: number[] = [];
  const t0 = clock.now();
  const outcome = await connection.speak(
    { taskId: 'task-a', text: '', audio },
    async (e) => {
      events.push(e);
      at.push(clock.elapsed(t0));
      if (options.abortWhen?.(e, events.length)) abort.abort(new Error('interrupted'));
    },
    abort.signal,
  );
  return { outcome, events, at, elapsed: clock.elapsed(t0) };
}

describe('LocalProvider speaking recorded audio (audio tasks)', () => {
  it('accepts audio', () => {
    expect(new LocalProvider({ wordsPerMinute: 150, framesPerSecond: 25 }).acceptsAudio).toBe(true);
  });

  it('plays the audio as given without a speech engine: one-second pieces ahead of their frames, lasting exactly the audio', async () => {
    const pcm = toneOf(2.5, 24_000);
    const { outcome, events, at, elapsed } = await speakRecorded(recorded(pcm, 24_000));
    expect(outcome).toEqual({ spokenSeconds: 2.5, interrupted: false });
    expect(elapsed).toBe(2500);

    const audio = audioOf(events);
    expect(audio.map((a) => a.duration)).toEqual([1, 1, 0.5]);
    expect(audio.every((a) => a.task_id === 'task-a' && a.sample_rate === 24_000)).toBe(true);
    expect(Buffer.concat(audio.map((a) => decodeWav(Buffer.from(a.data, 'base64')).pcm)).equals(pcm)).toBe(true);

    expect(framesIn(events)).toHaveLength(63);
    const kinds = events.map((e) => e.type);
    expect([kinds.indexOf('audio'), kinds.indexOf('audio', 1), kinds.lastIndexOf('audio')]).toEqual([0, 26, 52]);
    expect(audio.map((a) => at[events.indexOf(a)])).toEqual([0, 1000, 2000]);
    // Frames at the frame rate, in real time.
    expect(framesIn(events).map((f) => at[events.indexOf(f)])).toEqual(Array.from({ length: 63 }, (_, i) => i * 40));
    expect(framesIn(events)[0]).toMatchObject({ type: 'frame', task_id: 'task-a', frame_id: 1, mime_type: 'image/svg+xml' });
  });

  it('never calls the session speech engine for an audio task', async () => {
    const engine = new ToneEngine(1);
    const { outcome, events } = await speakRecorded(recorded(toneOf(1.2, 24_000), 24_000), { speech: engine });
    expect(engine.requests).toEqual([]);
    expect(outcome).toEqual({ spokenSeconds: 1.2, interrupted: false });
    expect(audioOf(events).map((a) => a.duration)).toEqual([1, expect.closeTo(0.2, 9)]);
  });

  it('sends the audio at the provider’s audio rate, resampled by the request’s own resampler', async () => {
    const audio = recorded(toneOf(1, 48_000), 48_000);
    const { outcome, events } = await speakRecorded(audio, { audioSampleRate: 16_000 });
    expect(audio.asked).toEqual([16_000]);
    const pieces = audioOf(events);
    expect(pieces.map((a) => [a.sample_rate, decodeWav(Buffer.from(a.data, 'base64')).sampleRate])).toEqual([[16_000, 16_000]]);
    expect(decodeWav(Buffer.from(pieces[0].data, 'base64')).pcm.equals(audio.at(16_000).pcm)).toBe(true);
    expect(outcome.spokenSeconds).toBe(1);
  });

  it('moves the mouth with the audio’s loudness: closed in silence, open while the voice sounds', async () => {
    // 2 s of silence with a tone from 0.8 s to 1.2 s (frames 20–29).
    const pcm = toneOf(2, 24_000, (t) => t >= 0.8 && t < 1.2);
    const { events } = await speakRecorded(recorded(pcm, 24_000));
    const visemes = framesIn(events).map((f) => f.viseme);
    expect(visemes).toEqual(energyVisemes(pcm, 24_000, 25));
    expect(visemes).toHaveLength(50);
    expect(visemes.slice(0, 19).every((v) => v === 'sil')).toBe(true);
    expect(visemes.slice(31).every((v) => v === 'sil')).toBe(true);
    expect(visemes.slice(20, 30).every((v) => v === 'aa')).toBe(true);
    // Each frame's picture is the mouth of its viseme.
    expect(Buffer.from(framesIn(events)[25].data, 'base64').toString()).toContain('ry="14"');
  });

  it('stops frames and audio at once when interrupted mid-audio, reporting the part played', async () => {
    let pieces = 0;
    const { outcome, events } = await speakRecorded(recorded(toneOf(2.5, 24_000), 24_000), { abortWhen: (e) => e.type === 'audio' && ++pieces === 2 });
    expect(outcome).toEqual({ spokenSeconds: 1, interrupted: true });
    expect(events[events.length - 1]).toMatchObject({ type: 'audio' });
    expect(audioOf(events)).toHaveLength(2);
    expect(framesIn(events)).toHaveLength(25);
  });

  it('reports the played part when interrupted between frames', async () => {
    const { outcome, events } = await speakRecorded(recorded(toneOf(2.5, 24_000), 24_000), { abortWhen: (e) => e.type === 'frame' && e.frame_id === 11 });
    expect(outcome).toEqual({ spokenSeconds: 0.44, interrupted: true });
    expect(events[events.length - 1]).toMatchObject({ type: 'frame', frame_id: 11 });
  });

  it('says nothing for audio of no length', async () => {
    const { outcome, events } = await speakRecorded(recorded(Buffer.alloc(0), 24_000));
    expect(outcome).toEqual({ spokenSeconds: 0, interrupted: false });
    expect(events).toEqual([]);
  });
});
