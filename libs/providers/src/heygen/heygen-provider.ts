import {
  AvatarProvider,
  CatalogEntry,
  ProviderCatalog,
  ProviderConnection,
  ProviderCredentials,
  ProviderSessionRef,
  ProviderSessionSpec,
  StartedProviderSession,
} from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { RetryRule, VendorHttp } from '../http/vendor-http';
import { realSpeechClock, SpeechClock } from '../speech-clock';
import { HEYGEN_PROVIDER, HeygenActiveSession, HeygenApi, HeygenStreamingAvatar, HeygenVoice } from './heygen-api';
import { HeygenConnection } from './heygen-connection';

export const HEYGEN_DEFAULT_URL = 'https://api.heygen.com';
/** Three tries a second apart, 10 s each. */
export const HEYGEN_DEFAULT_RULE: RetryRule = { attempts: 3, delayMs: 1000, timeoutMs: 10_000 };

export interface HeygenProviderOptions {
  /** Default https://api.heygen.com; paths start with /v1 or /v2. */
  apiUrl?: string;
  rule?: RetryRule;
  fetchImpl?: typeof fetch;
  /** Speaking rate for tasks HeyGen answers without duration_ms (default 150). */
  wordsPerMinute?: number;
  /** Injected so tests can run the clock. */
  clock?: SpeechClock;
}

/**
 * HeyGen interactive avatars through the legacy streaming API, LiveKit transport (v2):
 * HeyGen renders into a LiveKit room the user's client joins with `clientSession`
 * {url, access_token}; the platform starts, feeds, keeps alive and stops the session.
 */
export class HeygenProvider implements AvatarProvider {
  readonly name = HEYGEN_PROVIDER;
  readonly stateful = false;
  readonly credentialFields = ['api_key'] as const;
  /** `streaming.task` takes text only: an audio task is refused. */
  readonly acceptsAudio = false;
  /** HeyGen ends a session after 120 s without activity by default; ping at half that. */
  readonly keepAliveIntervalMs = 60_000;
  private readonly api: HeygenApi;

  constructor(private readonly options: HeygenProviderOptions = {}) {
    this.api = new HeygenApi(new VendorHttp(HEYGEN_PROVIDER, options.fetchImpl), options.apiUrl ?? HEYGEN_DEFAULT_URL, options.rule ?? HEYGEN_DEFAULT_RULE);
  }

  async start(spec: ProviderSessionSpec): Promise<StartedProviderSession> {
    const apiKey = heygenKey(spec.credentials);
    if (spec.sdpOffer) {
      // In HeyGen's raw WebRTC flow (v1) the vendor made the offer (in streaming.new) and
      // the client answered; it cannot answer a client's offer, and v1 ended on 2025-02-28.
      throw new ProviderError(`${HEYGEN_PROVIDER}: takes no SDP offer; the client joins HeyGen's LiveKit room with clientSession {url, access_token}`, {
        kind: 'rejected',
        provider: HEYGEN_PROVIDER,
      });
    }
    const created = await this.api.newSession(apiKey, {
      quality: spec.quality,
      avatar_id: spec.avatarId,
      ...(spec.voiceId ? { voice: { voice_id: spec.voiceId } } : {}),
      version: 'v2',
      video_encoding: 'H264',
    });
    try {
      await this.api.startSession(apiKey, created.session_id);
    } catch (err) {
      // A created session counts against the account's concurrency until it ends.
      await this.api.stopSession(apiKey, created.session_id).catch(() => undefined);
      throw err;
    }
    return { providerSessionId: created.session_id, clientSession: { url: created.url, access_token: created.access_token } };
  }

  async connect(ref: ProviderSessionRef): Promise<ProviderConnection> {
    return new HeygenConnection(this.api, heygenKey(ref.spec.credentials), ref.providerSessionId, {
      wordsPerMinute: this.options.wordsPerMinute ?? 150,
      clock: this.options.clock ?? realSpeechClock,
    });
  }

  async stop(ref: ProviderSessionRef, _reason: string): Promise<void> {
    try {
      await this.api.stopSession(heygenKey(ref.spec.credentials), ref.providerSessionId);
    } catch (err) {
      // Closed or unknown to HeyGen: already stopped.
      if (err instanceof ProviderError && err.kind === 'session_ended') return;
      throw err;
    }
  }

  async catalog(credentials: ProviderCredentials): Promise<ProviderCatalog> {
    const apiKey = heygenKey(credentials);
    const [avatars, voices] = await Promise.all([this.api.listAvatars(apiKey), this.api.listVoices(apiKey)]);
    return { avatars: avatars.filter(isUsable).map(avatarEntry), voices: voices.map(voiceEntry) };
  }

  /** The account's open sessions at HeyGen (`streaming.list`): what a leak check compares with the platform's. */
  async list(credentials: ProviderCredentials): Promise<HeygenActiveSession[]> {
    return this.api.listSessions(heygenKey(credentials));
  }
}

function isUsable(avatar: HeygenStreamingAvatar): boolean {
  return !avatar.status || avatar.status === 'ACTIVE';
}

function avatarEntry(avatar: HeygenStreamingAvatar): CatalogEntry {
  return withoutEmpty({ id: avatar.avatar_id, name: avatar.pose_name || avatar.avatar_id, preview_url: avatar.normal_preview });
}

function voiceEntry(voice: HeygenVoice): CatalogEntry {
  return withoutEmpty({ id: voice.voice_id, name: voice.name || voice.voice_id, language: voice.language, gender: voice.gender, preview_url: voice.preview_audio });
}

function withoutEmpty(entry: CatalogEntry): CatalogEntry {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined && value !== '')) as unknown as CatalogEntry;
}

function heygenKey(credentials: ProviderCredentials): string {
  if (!credentials.api_key) throw new ProviderError(`${HEYGEN_PROVIDER}: no api_key in the credentials`, { kind: 'auth', provider: HEYGEN_PROVIDER });
  return credentials.api_key;
}
