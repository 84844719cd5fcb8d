import { FakeAnswer, FakeVendorServer, RecordedRequest } from './fake-vendor-server';

/** The PCM output formats the real API offers (`pcm_<rate>`). */
const PCM_FORMAT = /^pcm_(8000|16000|22050|24000|44100|48000)$/;
/** Module constants: global lookups in a loop are slow inside Jest's vm sandbox. */
const { round, sin } = Math;

export interface ElevenLabsFakeOptions {
  apiKey?: string;
  /** Voice ids the account has; any other gets 404 voice_not_found. */
  voices?: string[];
  /** Seconds of audio per character of text (default 0.05 s, about 150 words a minute). */
  secondsPerCharacter?: number;
}

/**
 * ElevenLabs' text-to-speech route as the engine uses it: `POST
 * /v1/text-to-speech/{voice_id}?output_format=pcm_<rate>` with `xi-api-key`, answering
 * raw PCM s16le mono: a deterministic 220 Hz tone whose length is proportional to the
 * text (`ElevenLabsFake.tone` gives the exact bytes to expect). Wrong key → 401
 * `invalid_api_key`; unknown voice → 404 `voice_not_found`; bad format or no text → 422.
 * Faults (429 with Retry-After, 5xx, slow, dropped) come from the base class.
 */
export class ElevenLabsFake extends FakeVendorServer {
  static readonly API_KEY = 'el-fake-key';
  static readonly VOICE_ID = 'EXAVITQu4vr4xnSDxMaL';
  readonly apiKey: string;
  readonly voices: Set<string>;
  readonly secondsPerCharacter: number;

  constructor(options: ElevenLabsFakeOptions = {}) {
    super();
    this.apiKey = options.apiKey ?? ElevenLabsFake.API_KEY;
    this.voices = new Set(options.voices ?? [ElevenLabsFake.VOICE_ID, 'voice-1']);
    this.secondsPerCharacter = options.secondsPerCharacter ?? 0.05;
    this.route('POST', /^\/v1\/text-to-speech\/[^/]+$/, (request) => this.speak(request));
  }

  /** The PCM the fake answers for `text` at `sampleRate`. */
  static tone(text: string, sampleRate: number, secondsPerCharacter = 0.05): Buffer {
    const samples = Math.round(text.length * secondsPerCharacter * sampleRate);
    const pcm = Buffer.alloc(samples * 2);
    const step = (2 * Math.PI * 220) / sampleRate;
    for (let i = 0; i < samples; i++) pcm.writeInt16LE(round(8000 * sin(step * i)), i * 2);
    return pcm;
  }

  /** Text-to-speech calls received, in order. */
  get ttsCalls(): RecordedRequest[] {
    return this.calls('POST', /^\/v1\/text-to-speech\//);
  }


  private speak(request: RecordedRequest): FakeAnswer {
    if (request.headers['xi-api-key'] !== this.apiKey) {
      return { status: 401, body: { detail: { status: 'invalid_api_key', message: 'Invalid API key' } } };
    }
    const voiceId = decodeURIComponent(request.path.split('/').pop() ?? '');
    if (!this.voices.has(voiceId)) {
      return { status: 404, body: { detail: { status: 'voice_not_found', message: `A voice with the voice_id ${voiceId} was not found.` } } };
    }
    const format = PCM_FORMAT.exec(request.query.output_format ?? '');
    const body = request.body as { text?: unknown } | undefined;
    if (!format || typeof body?.text !== 'string' || body.text.length === 0) {
      return { status: 422, body: { detail: [{ loc: ['body'], msg: 'invalid output_format or text', type: 'value_error' }] } };
    }
    const pcm = ElevenLabsFake.tone(body.text, Number(format[1]), this.secondsPerCharacter);
    return { status: 200, body: pcm, headers: { 'content-type': 'audio/pcm' } };
  }
}

