import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { API_KEY_SCOPES, ApiKeyRevokedSchema, ApiKeyScope, apiKeySubjects, TenantScopes } from '@avatar/contracts';
import { decodeWith, NATS_CONNECTION, onReconnect } from '@avatar/messaging';
import { TenantsRepository } from '@avatar/persistence';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';
import type { Principal } from './principal';

/** Keys remembered at most; the oldest is forgotten first. */
const MAX_ENTRIES = 10_000;
/** last_used_at is written at most this often per key (the statement also refuses more). */
export const KEY_TOUCH_INTERVAL_MS = 60_000;
/**
 * The write waits this long after the use it records, so it never competes with that
 * request's own statements (on 2 cores, the first speak after a quiet minute paid for
 * it). last_used_at is a minute-grained figure: two seconds do not matter to it.
 */
export const KEY_TOUCH_DELAY_MS = 2_000;

interface Entry {
  principal: Principal;
  /** The cache's TTL, or the key's own expiry (a rotated key) if sooner. */
  expiresAt: number;
}

/**
 * API key → principal (tenant, key, scopes), remembered so a request costs no database
 * round trip for authentication. A revoked or rotated key, or every key of a disabled
 * tenant, is forgotten at once: every gateway listens on `auth.*.apikey.revoked`. Core
 * NATS loses what is published while a subscriber is disconnected, so a reconnect
 * forgets every key; API_KEY_CACHE_TTL_MS (10 min) is only the backstop beyond that. A
 * rotated key is remembered no longer than its grace. Unknown keys are not remembered
 * (a key created a moment ago must work at once).
 */
@Injectable()
export class ApiKeyCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyCache.name);
  private readonly entries = new Map<string, Entry>();
  /** Key id → when this gateway last wrote its last_used_at. */
  private readonly touched = new Map<string, number>();
  /** Keys whose last_used_at is due to be written at the next flush. */
  private readonly toTouch = new Set<string>();
  private touchTimer?: NodeJS.Timeout;
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
          const revoked = decodeWith(ApiKeyRevokedSchema, msg.data, `revocation on ${msg.subject}`);
          if ('all_keys' in revoked) this.forgetTenant(msg.subject.split('.')[1]);
          else this.forget(revoked.key_hash);
        } catch (err) {
          this.logger.warn(`ignored a malformed revocation: ${(err as Error).message}`);
        }
      },
    });
  }

  /** The principal of a key hash, or null for an unknown, revoked or expired key or a disabled tenant. */
  async principalFor(keyHash: string, now = Date.now()): Promise<Principal | null> {
    const cached = this.entries.get(keyHash);
    if (cached && cached.expiresAt > now) return cached.principal;
    this.entries.delete(keyHash);
    const identity = await this.tenants.authenticate(keyHash);
    if (!identity) return null;
    const principal: Principal = {
      tenant: TenantScopes.authenticated(identity.tenantId),
      keyId: identity.keyId,
      scopes: new Set(identity.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s))),
    };
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const ttlEnd = now + this.config.API_KEY_CACHE_TTL_MS;
    this.entries.set(keyHash, { principal, expiresAt: identity.expiresAt ? Math.min(ttlEnd, identity.expiresAt.getTime()) : ttlEnd });
    return principal;
  }

  /** Notes a use of the key: writes last_used_at in the background (KEY_TOUCH_DELAY_MS later), at most once a minute per key. */
  noteUse(principal: Principal, now = Date.now()): void {
    const last = this.touched.get(principal.keyId);
    if (last !== undefined && now - last < KEY_TOUCH_INTERVAL_MS) return;
    if (this.touched.size >= MAX_ENTRIES) this.touched.delete(this.touched.keys().next().value!);
    this.touched.set(principal.keyId, now);
    this.toTouch.add(principal.keyId);
    if (!this.touchTimer) {
      this.touchTimer = setTimeout(() => this.flushTouches(), KEY_TOUCH_DELAY_MS);
      this.touchTimer.unref();
    }
  }

  private flushTouches(): void {
    this.touchTimer = undefined;
    const keyIds = [...this.toTouch];
    this.toTouch.clear();
    for (const keyId of keyIds) {
      this.tenants.touchKey(keyId).catch((err: Error) => this.logger.warn(`last_used_at of key ${keyId} not written: ${err.message}`));
    }
  }

  forget(keyHash: string): void {
    this.entries.delete(keyHash);
  }

  private forgetTenant(tenantId: string | undefined): void {
    for (const [hash, entry] of this.entries) if (entry.principal.tenant === tenantId) this.entries.delete(hash);
  }

  private forgetAll(): void {
    if (this.entries.size > 0) this.logger.warn(`NATS reconnected: forgetting ${this.entries.size} cached API keys (a revocation may have been missed)`);
    this.entries.clear();
  }

  onApplicationShutdown(): void {
    if (this.touchTimer) clearTimeout(this.touchTimer);
    this.subscription?.unsubscribe();
  }
}
