import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@avatar/contracts';
import { ConversationEngine, createConversationEngine } from '@avatar/conversation';
import { VendorCredentialsReader } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';

/** The credentials name under which a tenant stores its own chat API (admin API: PUT …/credentials/chat). */
export const CHAT_CREDENTIALS = 'chat';

/**
 * Which conversation engine answers a tenant: its own OpenAI-compatible API when it
 * stored one (`chat` credentials: api_url, api_key, model), else the platform's
 * (CHAT_API_URL, CHAT_API_KEY, CHAT_MODEL), else the offline scripted responder. The
 * platform's key only ever goes to the platform's URL.
 */
@Injectable()
export class ChatEngines {
  constructor(
    private readonly credentials: VendorCredentialsReader,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async for(tenant: TenantScope): Promise<ConversationEngine> {
    const own = await this.credentials.credentialsFor(tenant, CHAT_CREDENTIALS);
    const api = own?.api_url ? { apiUrl: own.api_url, apiKey: own.api_key } : { apiUrl: this.config.CHAT_API_URL, apiKey: own?.api_key ?? this.config.CHAT_API_KEY };
    return createConversationEngine({
      ...api,
      model: own?.model ?? this.config.CHAT_MODEL,
      firstTokenTimeoutMs: this.config.CHAT_FIRST_TOKEN_TIMEOUT_MS,
      stallTimeoutMs: this.config.CHAT_STALL_TIMEOUT_MS,
      maxReplyChars: this.config.CHAT_MAX_REPLY_CHARS,
    });
  }
}
