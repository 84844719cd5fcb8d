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
import { AVATURN_PROVIDER, AvaturnApi, AvaturnCreateBody } from './avaturn-api';
import { AvaturnConnection } from './avaturn-connection';
import { realSpeechClock, SpeechClock } from '../speech-clock';

export const AVATURN_DEFAULT_URL = 'https://api.avaturn.live';
/** Three tries a second apart, 10 s each (the pattern of the vendors' reference clients). */
export const AVATURN_DEFAULT_RULE: RetryRule = { attempts: 3, delayMs: 1000, timeoutMs: 10_000 };

export interface AvaturnProviderOptions {
  /** Default https://api.avaturn.live; paths start with /api/v1. */
  apiUrl?: string;
  /** Avaturn has no avatar list API: the avatars this deployment offers are configured. */
  avatars: CatalogEntry[];
  rule?: RetryRule;
  fetchImpl?: typeof fetch;
  /** Speaking rate for the speech-length estimate (default 150). */
  wordsPerMinute?: number;
  /** Injected so tests can run the clock. */
  clock?: SpeechClock;
}

/**
 * Avaturn Live: the vendor renders the avatar and plays its speech in the user's
 * browser through its own web SDK (it gets `clientSession.token`). The platform creates
 * and ends the session and hands the avatar its lines; it sees no frames or audio.
 */
export class AvaturnProvider implements AvatarProvider {
  readonly name = AVATURN_PROVIDER;
  readonly stateful = false;
  readonly credentialFields = ['api_key'] as const;
  /** Tasks are text only (`POST /tasks {text}`): an audio task is refused. */
  readonly acceptsAudio = false;
  readonly keepAliveIntervalMs = 0;
  private readonly api: AvaturnApi;

  constructor(private readonly options: AvaturnProviderOptions) {
    this.api = new AvaturnApi(new VendorHttp(AVATURN_PROVIDER, options.fetchImpl), options.apiUrl ?? AVATURN_DEFAULT_URL, options.rule ?? AVATURN_DEFAULT_RULE);
  }

  async start(spec: ProviderSessionSpec): Promise<StartedProviderSession> {
    const apiKey = apiKeyOf(spec.credentials);
    if (spec.sdpOffer) {
      // The vendor's web SDK negotiates WebRTC itself with the session token.
      throw new ProviderError(`${AVATURN_PROVIDER}: takes no SDP offer; the browser joins with clientSession.token through Avaturn's web SDK`, {
        kind: 'rejected',
        provider: AVATURN_PROVIDER,
      });
    }
    const body: AvaturnCreateBody = {};
    if (spec.avatarId) body.avatar_id = spec.avatarId;
    // Passed through exactly as given: the vendor validates the engine's fields.
    if (spec.conversationEngine) body.conversation_engine = spec.conversationEngine;
    const created = await this.api.createSession(apiKey, body);
    return { providerSessionId: created.session_id, clientSession: { token: created.token } };
  }

  async connect(ref: ProviderSessionRef): Promise<ProviderConnection> {
    return new AvaturnConnection(this.api, apiKeyOf(ref.spec.credentials), ref.providerSessionId, {
      wordsPerMinute: this.options.wordsPerMinute ?? 150,
      clock: this.options.clock ?? realSpeechClock,
    });
  }

  async stop(ref: ProviderSessionRef, _reason: string): Promise<void> {
    // A session the vendor already ended (404) is stopped: nothing to do.
    await this.api.terminate(apiKeyOf(ref.spec.credentials), ref.providerSessionId);
  }

  async catalog(_credentials: ProviderCredentials): Promise<ProviderCatalog> {
    return { avatars: this.options.avatars, voices: [] };
  }
}

function apiKeyOf(credentials: ProviderCredentials): string {
  if (!credentials.api_key) throw new ProviderError(`${AVATURN_PROVIDER}: no api_key in the credentials`, { kind: 'auth', provider: AVATURN_PROVIDER });
  return credentials.api_key;
}
