import type { ProviderFailureKind, VoiceSettings } from '@avatar/contracts';
import { ProviderError, retryAfterSeconds, statusKind } from '@avatar/providers';
import { SynthesisRequest, SynthesizedSpeech, TtsEngine } from '../tts-engine';
import { assertSampleRate } from '../sample-rate';
import { resamplePcm } from '../pcm/resample';
import { pcmDuration } from '../pcm/pcm-chunks';
import { pcmOutputRate } from './pcm-output-format';

export const ELEVENLABS_PROVIDER = 'elevenlabs';
export const ELEVENLABS_API_URL = 'https://api.elevenlabs.io';

export interface ElevenLabsEngineOptions {
  apiKey: string;
  /** Default https://api.elevenlabs.io (a fake in tests). */
  apiUrl?: string;
  /** Default eleven_multilingual_v2. */
  modelId?: string;
  /** Voice when the request names none; default EXAVITQu4vr4xnSDxMaL (a premade voice every account has). */
  defaultVoiceId?: string;
  /** One synthesis is cut off after this long (default 30 s). */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** Headers ElevenLabs (and the proxies in front of it) put a request id in, for its support desk. */
const REQUEST_ID_HEADERS = ['x-trace-id', 'request-id', 'x-request-id'];

/**
 * ElevenLabs text-to-speech over REST: `POST /v1/text-to-speech/{voice_id}` with
 * `output_format=pcm_<rate>` answers raw PCM s16le mono. The answer is binary, so
 * this is a plain fetch rather than VendorHttp (which reads JSON), but its failures
 * map exactly as VendorHttp maps them (statusKind, Retry-After), plus ElevenLabs'
 * own codes: a 401 that says `quota_exceeded` is spent credits, not a bad key, and a
 * 404 (or 400 `voice_not_found`) is an unknown voice.
 * No retries here: the speech task's backoff decides whether to try again.
 */
export class ElevenLabsEngine implements TtsEngine {
  readonly name = ELEVENLABS_PROVIDER;
  private readonly apiUrl: string;
  private readonly modelId: string;
  private readonly defaultVoiceId: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ElevenLabsEngineOptions) {
    this.apiUrl = (options.apiUrl ?? ELEVENLABS_API_URL).replace(/\/+$/, '');
    this.modelId = options.modelId ?? 'eleven_multilingual_v2';
    this.defaultVoiceId = options.defaultVoiceId ?? 'EXAVITQu4vr4xnSDxMaL';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  async synthesize(request: SynthesisRequest, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    assertSampleRate(request.sampleRate, ELEVENLABS_PROVIDER);
    const voiceId = request.voiceId ?? this.defaultVoiceId;
    const vendorRate = pcmOutputRate(request.sampleRate);
    const url = `${this.apiUrl}/v1/text-to-speech/${encodeURIComponent(voiceId)}?output_format=pcm_${vendorRate}`;
    const body = { text: request.text, model_id: this.modelId, ...voiceSettingsOf(request.voiceSettings) };

    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let bytes: Buffer;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'xi-api-key': this.options.apiKey, 'content-type': 'application/json', accept: 'audio/pcm, application/json' },
        body: JSON.stringify(body),
        signal: combined,
      });
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw this.error(`POST /v1/text-to-speech timed out after ${this.timeoutMs} ms`, 'timeout');
      throw this.error(`POST /v1/text-to-speech failed: ${causeOf(err)}`, 'connection');
    }
    const requestId = REQUEST_ID_HEADERS.map((name) => response.headers.get(name)).find((value) => !!value) ?? undefined;
    if (!response.ok) throw this.failure(response, bytes.toString('utf8'), requestId);

    const pcm = bytes.subarray(0, bytes.length - (bytes.length % 2));
    const out = vendorRate === request.sampleRate ? pcm : resamplePcm(pcm, vendorRate, request.sampleRate);
    return { pcm: out, sampleRate: request.sampleRate, durationS: pcmDuration(out, request.sampleRate) };
  }

  private failure(response: Response, text: string, requestId: string | undefined): ProviderError {
    const detail = detailOf(text);
    const kind = elevenLabsKind(response.status, detail.status) ?? statusKind(response.status) ?? 'unavailable';
    const retryAfterS = kind === 'rate_limited' ? retryAfterSeconds(response.headers.get('retry-after')) : undefined;
    const said = detail.message ?? (text.slice(0, 200) || '(empty answer)');
    return new ProviderError(`${ELEVENLABS_PROVIDER}: POST /v1/text-to-speech answered ${response.status}: ${said}`, {
      kind,
      provider: ELEVENLABS_PROVIDER,
      retryAfterS,
      vendorRequestId: requestId,
      vendorStatus: response.status,
    });
  }

  private error(message: string, kind: ProviderFailureKind): ProviderError {
    return new ProviderError(`${ELEVENLABS_PROVIDER}: ${message}`, { kind, provider: ELEVENLABS_PROVIDER });
  }
}

/** Only the settings the caller gave: ElevenLabs falls back to the voice's stored ones for the rest. */
function voiceSettingsOf(settings: VoiceSettings | undefined): { voice_settings?: Record<string, number> } {
  const chosen: Record<string, number> = {};
  if (settings?.stability !== undefined) chosen.stability = settings.stability;
  if (settings?.similarity_boost !== undefined) chosen.similarity_boost = settings.similarity_boost;
  return Object.keys(chosen).length > 0 ? { voice_settings: chosen } : {};
}

/** ElevenLabs' failures name themselves in `detail.status`. */
function elevenLabsKind(status: number, code: string | undefined): ProviderFailureKind | undefined {
  if (code === 'quota_exceeded') return 'quota';
  if (code === 'voice_not_found' || status === 404) return 'unknown_avatar';
  return undefined;
}

/** `{detail: {status, message}}`, `{detail: "..."}` or anything else. */
function detailOf(text: string): { status?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    const detail = body?.detail;
    if (typeof detail === 'string') return { message: detail.slice(0, 200) };
    if (detail && typeof detail === 'object') {
      const d = detail as { status?: unknown; message?: unknown };
      return {
        status: typeof d.status === 'string' ? d.status : undefined,
        message: typeof d.message === 'string' ? d.message.slice(0, 200) : undefined,
      };
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return {};
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
