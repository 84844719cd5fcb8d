import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ApiKeyRevoked, apiKeySubjects } from '@avatar/contracts';
import { decodeJson, NATS_CONNECTION, onReconnect } from '@avatar/messaging';
import { TenantsRepository } from '@avatar/persistence';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';

/** Keys remembered at most; the oldest is forgotten first. */
const MAX_ENTRIES = 10_000;

/**
 * API key → tenant, remembered so a request costs no database round trip for
 * authentication. A revoked key is forgotten at once: every gateway listens on
 * `auth.*.apikey.revoked`. Core NATS loses what is published while a subscriber is
 * disconnected, so a reconnect forgets every key (the next request of each looks it
 * up again); API_KEY_CACHE_TTL_MS (10 min) is only the backstop beyond that. A short
 * TTL would make the first request after a quiet minute pay the lookup. Unknown keys
 * are not remembered (a key created a moment ago must work at once).
 */
@Injectable()
export class ApiKeyCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyCache.name);
  private readonly entries = new Map<string, { tenantId: string; expiresAt: number }>();
  private subscription?: Subscription;

  constructor(
    private readonly tenants: TenantsRepository,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    void onReconnect(this.nc, () => this.forgetAll());
    this.subscription = this.nc.subscribe(apiKeySubjects.anyRevoked(), {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`revocations: ${err.message}`);
        try {
          this.forget(decodeJson<ApiKeyRevoked>(msg.data).key_hash);
        } catch {
          this.logger.warn(`ignored a malformed revocation on ${msg.subject}`);
        }
      },
    });
  }

  /** The tenant of a key hash, or null for an unknown or revoked key. */
  async tenantFor(keyHash: string, now = Date.now()): Promise<string | null> {
    const cached = this.entries.get(keyHash);
    if (cached && cached.expiresAt > now) return cached.tenantId;
    this.entries.delete(keyHash);
    const tenantId = await this.tenants.tenantIdForKeyHash(keyHash);
    if (tenantId) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(keyHash, { tenantId, expiresAt: now + this.config.API_KEY_CACHE_TTL_MS });
    }
    return tenantId;
  }

  forget(keyHash: string): void {
    this.entries.delete(keyHash);
  }

  private forgetAll(): void {
    if (this.entries.size > 0) this.logger.warn(`NATS reconnected: forgetting ${this.entries.size} cached API keys (a revocation may have been missed)`);
    this.entries.clear();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
