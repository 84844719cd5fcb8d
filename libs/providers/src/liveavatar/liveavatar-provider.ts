import type {
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
import type { RetryRule } from '../http/vendor-http';
import { assertChunking, AudioChunking, DEFAULT_AUDIO_CHUNKING } from './audio-chunks';
import { LIVEAVATAR_PROVIDER, LiveAvatarApi, StopAuth } from './liveavatar-api';
import { LiveAvatarConnection } from './liveavatar-connection';
import { LiveAvatarSocket } from './liveavatar-socket';
import { vendorStopReason } from './stop-reason';

export const LIVEAVATAR_DEFAULT_API_URL = 'https://api.liveavatar.com';
/** The reference plugin's rule for every REST call: 3 tries, 2 s apart, 10 s each. */
export const LIVEAVATAR_RETRY_RULE: RetryRule = { attempts: 3, delayMs: 2000, timeoutMs: 10_000 };
/** The reference plugin's keep-alive cadence (the vendor ends sessions idle for 5 minutes). */
export const LIVEAVATAR_KEEP_ALIVE_MS = 60_000;

/** The vendor's video qualities (`video_settings.quality`); ours (low/medium/high) are a subset. */
const VIDEO_QUALITIES = ['low', 'medium', 'high', 'very_high'];

export interface LiveAvatarProviderOptions {
  /** Base URL, `https://api.liveavatar.com` unless a proxy or a fake stands in. */
  apiUrl: string;
  /** REST retry rule (default LIVEAVATAR_RETRY_RULE). */
  rule?: RetryRule;
  /** How long `connect` waits for the vendor's `connected` (default 10 s). */
  connectTimeoutMs?: number;
  /** `session.keep_alive` cadence (default 60 s). */
  keepAliveIntervalMs?: number;
  /** `agent.speak` chunk sizes (default ~0.6 s, then ~1 s). */
  audioChunk?: AudioChunking;
  /** How far ahead of playback a chunk is sent (default 500 ms). */
  sendAheadMs?: number;
  /** Slack after the audio's end for `agent.speak_ended` (default 5 s). */
  speechSlackMs?: number;
  /**
   * The session mode: `CUSTOM`, as the reference plugin sends, or `LITE`, the vendor's
   * newer name for the same mode (docs: "We have renamed CUSTOM mode to LITE mode").
   */
  mode?: 'CUSTOM' | 'LITE';
  /** Vendor sandbox sessions (free, about a minute long, a fixed avatar): development only. */
  sandbox?: boolean;
  fetchImpl?: typeof fetch;
}

/**
 * LiveAvatar (HeyGen's successor to its streaming API), in CUSTOM/LITE mode: the
 * vendor renders the avatar from audio we send over a per-session WebSocket and
 * streams it into a LiveKit room. We pass no `livekit_config` — the platform has no
 * LiveKit of its own, and without one the vendor makes a room for the session
 * (docs, start session) — so start hands the user's frontend that room's URL and
 * client token. Stateful: the socket is a live connection one worker holds.
 */
export class LiveAvatarProvider implements AvatarProvider {
  readonly name = LIVEAVATAR_PROVIDER;
  readonly stateful = true;
  readonly credentialFields = ['api_key'];
  /** The vendor animates whatever 24 kHz PCM it is sent: recorded audio goes the same way as synthesized. */
  readonly acceptsAudio = true;
  readonly keepAliveIntervalMs: number;
  private readonly api: LiveAvatarApi;
  private readonly chunking: AudioChunking;

  constructor(private readonly options: LiveAvatarProviderOptions) {
    this.keepAliveIntervalMs = options.keepAliveIntervalMs ?? LIVEAVATAR_KEEP_ALIVE_MS;
    this.chunking = options.audioChunk ?? DEFAULT_AUDIO_CHUNKING;
    assertChunking(this.chunking);
    this.api = new LiveAvatarApi({ apiUrl: options.apiUrl, rule: options.rule ?? LIVEAVATAR_RETRY_RULE, fetchImpl: options.fetchImpl });
  }

  async start(spec: ProviderSessionSpec): Promise<StartedProviderSession> {
    const token = await this.api.createSessionToken(apiKeyOf(spec.credentials), this.tokenRequest(spec));
    let started;
    try {
      started = await this.api.startSession(token.session_id, token.session_token);
    } catch (err) {
      // The token names a vendor session that may have started even though we saw no
      // answer (a timeout): stop it, or it runs (and bills) until the vendor's idle end.
      await this.api.stopSession(token.session_id, { sessionToken: token.session_token }, vendorStopReason('start_failed')).catch(() => undefined);
      throw err;
    }
    const clientSession: Record<string, string> = {};
    if (started.livekit_url) clientSession.livekit_url = started.livekit_url;
    if (started.livekit_client_token) clientSession.livekit_client_token = started.livekit_client_token;
    return {
      providerSessionId: token.session_id,
      state: { session_token: token.session_token, ws_url: started.ws_url },
      ...(Object.keys(clientSession).length ? { clientSession } : {}),
    };
  }

  async connect(ref: ProviderSessionRef): Promise<ProviderConnection> {
    const url = ref.state?.ws_url;
    if (!url) {
      throw new ProviderError(`${LIVEAVATAR_PROVIDER}: session ${ref.providerSessionId} has no ws_url in its state (it was not started by this adapter)`, {
        kind: 'rejected',
        provider: LIVEAVATAR_PROVIDER,
      });
    }
    const socket = await LiveAvatarSocket.open({
      url,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      keepAliveIntervalMs: this.keepAliveIntervalMs,
    });
    return new LiveAvatarConnection(socket, ref.spec, {
      chunking: this.chunking,
      sendAheadMs: this.options.sendAheadMs ?? 500,
      speechSlackMs: this.options.speechSlackMs ?? 5000,
    });
  }

  /** Ends the vendor session (by its own token; by the account key where the state is missing). Closes no connection. */
  async stop(ref: ProviderSessionRef, reason: string): Promise<void> {
    await this.api.stopSession(ref.providerSessionId, stopAuthOf(ref), vendorStopReason(reason));
  }

  /** The account's avatars and the public ones. Voices are the speech engine's, not the vendor's: none here. */
  async catalog(credentials: ProviderCredentials): Promise<ProviderCatalog> {
    const seen = new Set<string>();
    const avatars: CatalogEntry[] = [];
    for (const avatar of await this.api.listAvatars(apiKeyOf(credentials))) {
      const id = avatar.id ?? avatar.avatar_id;
      if (!id || seen.has(id)) continue;
      seen.add(id);
      avatars.push({ id, name: avatar.name ?? id, ...(avatar.preview_url ? { preview_url: avatar.preview_url } : {}) });
    }
    return { avatars, voices: [] };
  }

  private tokenRequest(spec: ProviderSessionSpec): Record<string, unknown> {
    return {
      mode: this.options.mode ?? 'CUSTOM',
      avatar_id: spec.avatarId,
      is_sandbox: this.options.sandbox ?? false,
      ...(VIDEO_QUALITIES.includes(spec.quality) ? { video_settings: { quality: spec.quality, encoding: 'VP8' } } : {}),
    };
  }
}

function apiKeyOf(credentials: ProviderCredentials | undefined): string {
  const key = credentials?.api_key;
  if (!key) throw new ProviderError(`${LIVEAVATAR_PROVIDER}: no api_key in the credentials`, { kind: 'auth', provider: LIVEAVATAR_PROVIDER });
  return key;
}

function stopAuthOf(ref: ProviderSessionRef): StopAuth {
  const sessionToken = ref.state?.session_token;
  if (sessionToken) return { sessionToken };
  // The vendor takes the account key too, with the session id (docs, stop session).
  return { apiKey: apiKeyOf(ref.spec.credentials) };
}
