import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EffectiveTenantSettings, effectiveTenantSettings, TenantScope, tenantSubjects } from '@avatar/contracts';
import { NATS_CONNECTION, onReconnect } from '@avatar/messaging';
import { TenantsRepository } from '@avatar/persistence';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway-config';

const MAX_ENTRIES = 10_000;

/**
 * A tenant's effective settings (its limits, quotas, billing and providers over the
 * platform defaults), read once and remembered: rate limits and quotas are checked on
 * every request and must not cost a query each. An administrator's change is announced
 * on `tenant.<id>.changed` and forgotten at once; a NATS reconnect forgets everything;
 * TENANT_SETTINGS_CACHE_MS is the backstop.
 */
@Injectable()
export class TenantSettingsCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TenantSettingsCache.name);
  private readonly entries = new Map<string, { settings: EffectiveTenantSettings; expiresAt: number }>();
  private subscription?: Subscription;

  constructor(
    private readonly tenants: TenantsRepository,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    void onReconnect(this.nc, () => this.entries.clear());
    this.subscription = this.nc.subscribe(tenantSubjects.anyChanged(), {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`tenant changes: ${err.message}`);
        this.entries.delete(msg.subject.split('.')[1]);
      },
    });
  }

  async settingsOf(tenant: TenantScope, now = Date.now()): Promise<EffectiveTenantSettings> {
    const cached = this.entries.get(tenant);
    if (cached && cached.expiresAt > now) return cached.settings;
    const row = await this.tenants.find(tenant);
    // An authenticated tenant exists; if it was deleted meanwhile, the defaults apply
    // until its key stops working.
    const settings = effectiveTenantSettings(row ?? { limits: {}, quotas: {}, billing: {}, providers: {} });
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tenant, { settings, expiresAt: now + this.config.TENANT_SETTINGS_CACHE_MS });
    return settings;
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
