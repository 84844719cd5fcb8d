import { randomUUID } from 'node:crypto';
import type {
  AvatarProvider,
  CatalogEntry,
  ProviderCatalog,
  ProviderConnection,
  ProviderSessionRef,
  ProviderSessionSpec,
  StartedProviderSession,
} from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { RetryRule, VendorHttp } from '../http/vendor-http';
import { IngressLink, ingressRequest } from './ingress-link';
import { SessionTokens } from './session-tokens';
import { SpatialWalkConnection, SpatialWalkConnectionSettings } from './spatialwalk-connection';
import { SPATIALWALK_SAMPLE_RATES, SpatialWalkSampleRate } from './spatialwalk-wire';

export const SPATIALWALK_PROVIDER = 'spatialwalk';

/** The vendor's public endpoints (its SDKs' defaults). */
export const SPATIALWALK_CONSOLE_URL = 'https://console.us-west.spatialwalk.cloud/v1/console';
export const SPATIALWALK_INGRESS_URL = 'https://api.us-west.spatialwalk.cloud/v2/driveningress';

export interface SpatialWalkProviderOptions {
  consoleUrl: string;
  ingressUrl: string;
  /** PCM rate of the session's audio (the SDKs' default: 16000). */
  sampleRate?: SpatialWalkSampleRate;
  /** The avatars the catalog lists: SpatialWalk has no list API. */
  avatars: CatalogEntry[];
  /** How long a session token opens sockets. */
  tokenTtlSeconds: number;
  /** The socket upgrade and the configure/confirm handshake together. */
  connectTimeoutMs: number;
  /** The token request's retries. */
  rule?: RetryRule;
  fetchImpl?: typeof fetch;
  /** Send the app id and session key in the socket URL (the vendor's web style) instead of headers. */
  queryAuth?: boolean;
  /** Audio input chunks sent to the vendor (default 160 ms). */
  inputChunkMs?: number;
  /** Audio events emitted to the platform (default 1 s). */
  audioEventSeconds?: number;
  /** Animation responses per second of speech, to place frames on the audio's timeline (default 25). */
  animationFps?: number;
  /** WebSocket pings that notice a dead link (default 15 s; 0: none). */
  pingIntervalMs?: number;
  /** Longest wait for the next animation response of an utterance (default 15 s). */
  stallTimeoutMs?: number;
  clock?: { now(): number };
}

/** A token this close to its expiry is not used to open a socket. */
const TOKEN_MARGIN_S = 30;
const DEFAULTS = { sampleRate: 16000, inputChunkMs: 160, audioEventSeconds: 1, animationFps: 25, pingIntervalMs: 15_000, stallTimeoutMs: 15_000 } as const;

/**
 * SpatialWalk (audio-driven avatar animation): the console trades the API key for a
 * session token; the vendor session is one ingress WebSocket speaking binary protobuf.
 * The platform synthesizes speech, streams it in, and relays the animation the vendor
 * streams back as frame events (with the audio as audio events).
 *
 * `start` takes the session token (proving the credentials); `connect` opens and
 * configures the socket (proving the avatar). The worker that starts a session
 * connects right after, and holds the connection; `stop` has nothing to call.
 */
export class SpatialWalkProvider implements AvatarProvider {
  readonly name = SPATIALWALK_PROVIDER;
  readonly stateful = true;
  readonly credentialFields = ['api_key', 'app_id'] as const;
  /** Audio-driven: recorded audio is streamed in like synthesized speech. */
  readonly acceptsAudio = true;
  /** The socket holds the session: no keep-alive call exists (pings watch the link). */
  readonly keepAliveIntervalMs = 0;
  private readonly tokens: SessionTokens;
  private readonly settings: SpatialWalkConnectionSettings;
  private readonly now: () => number;

  constructor(private readonly options: SpatialWalkProviderOptions) {
    const sampleRate = options.sampleRate ?? DEFAULTS.sampleRate;
    if (!(SPATIALWALK_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
      throw new Error(`SpatialWalk takes sample rates ${SPATIALWALK_SAMPLE_RATES.join(', ')}, not ${sampleRate}`);
    }
    this.now = options.clock ? () => options.clock!.now() : Date.now;
    this.tokens = new SessionTokens(this.name, new VendorHttp(this.name, options.fetchImpl), options.consoleUrl, options.rule);
    this.settings = {
      provider: this.name,
      sampleRate,
      inputChunkMs: options.inputChunkMs ?? DEFAULTS.inputChunkMs,
      audioEventSeconds: options.audioEventSeconds ?? DEFAULTS.audioEventSeconds,
      animationFps: options.animationFps ?? DEFAULTS.animationFps,
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULTS.stallTimeoutMs,
      now: this.now,
    };
  }

  async start(spec: ProviderSessionSpec): Promise<StartedProviderSession> {
    this.credential(spec, 'app_id');
    const { token, expireAt } = await this.issueToken(spec);
    // The vendor names a session only when its socket opens (connection_id): until then it is ours.
    return { providerSessionId: `spatialwalk-${randomUUID()}`, state: { session_token: token, expire_at: String(expireAt) } };
  }

  async connect(ref: ProviderSessionRef): Promise<ProviderConnection> {
    const appId = this.credential(ref.spec, 'app_id');
    const expireAt = Number(ref.state?.expire_at);
    let token = ref.state?.session_token;
    let fresh = false;
    if (!token || !(expireAt - this.now() / 1000 > TOKEN_MARGIN_S)) {
      token = (await this.issueToken(ref.spec)).token;
      fresh = true;
    }
    let link: IngressLink;
    try {
      link = await this.openLink(ref.spec.avatarId, appId, token);
    } catch (err) {
      // A stored token the ingress refuses (expired, revoked) is replaced once.
      if (fresh || !(err instanceof ProviderError) || err.kind !== 'auth') throw err;
      link = await this.openLink(ref.spec.avatarId, appId, (await this.issueToken(ref.spec)).token);
    }
    return new SpatialWalkConnection(link, ref.spec, this.settings);
  }

  /**
   * Nothing to call: the session ends when its socket closes, and the worker holding
   * the connection closes it. Idempotent by having no effect.
   */
  async stop(_ref: ProviderSessionRef, _reason: string): Promise<void> {}

  async catalog(): Promise<ProviderCatalog> {
    return { avatars: this.options.avatars.map((a) => ({ ...a })), voices: [] };
  }

  private issueToken(spec: ProviderSessionSpec) {
    const expireAt = Math.floor(this.now() / 1000) + this.options.tokenTtlSeconds;
    return this.tokens.issue(this.credential(spec, 'api_key'), expireAt);
  }

  private openLink(avatarId: string, appId: string, sessionToken: string): Promise<IngressLink> {
    const { url, headers } = ingressRequest({ ingressUrl: this.options.ingressUrl, avatarId, appId, sessionToken, queryAuth: this.options.queryAuth });
    return IngressLink.open({
      provider: this.name,
      url,
      headers,
      sampleRate: this.settings.sampleRate,
      connectTimeoutMs: this.options.connectTimeoutMs,
      pingIntervalMs: this.options.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
    });
  }

  private credential(spec: ProviderSessionSpec, field: 'api_key' | 'app_id'): string {
    const value = spec.credentials[field];
    if (!value) throw new ProviderError(`${this.name}: no ${field} in the credentials`, { kind: 'auth', provider: this.name });
    return value;
  }
}
