import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TenantScopes } from '@avatar/contracts';
import { SessionRow, SessionsRepository } from '@avatar/persistence';
import { REDIS_CLIENT } from '@avatar/messaging';
import { ProviderError, ProviderRegistry } from '@avatar/providers';
import { Metrics } from '@avatar/observability';
import { RedisLease } from '../common/redis-lease';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { ProviderConnections } from './provider-connections';
import { ProviderSessions } from './provider-sessions';

const LEASE_KEY = 'vendor-keepalive:lease';
/** Most sessions one pass keeps alive (the oldest first); the next pass takes the rest. */
const BATCH = 500;

/**
 * Keeps vendor sessions from ending while ours run, and closes what outlived them:
 * - REST vendors that end idle sessions (HeyGen: 120 s) get a keep-alive every
 *   `keepAliveIntervalMs` from the worker holding a short lease; stateful vendors keep
 *   their own (the owner's connection sends it);
 * - every worker closes the connections it holds for sessions that have stopped (a
 *   close broadcast it missed), so a vendor session never outlives ours.
 */
@Injectable()
export class VendorKeepAlive implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VendorKeepAlive.name);
  private readonly lease: RedisLease;
  private readonly lastSent = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly registry: ProviderRegistry,
    private readonly connections: ProviderConnections,
    private readonly providerSessions: ProviderSessions,
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: Metrics,
  ) {
    this.lease = new RedisLease(redis, LEASE_KEY, config.KEEPALIVE_SWEEP_MS * 3);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .then(() => undefined)
        .catch((err) => this.logger.warn(`keep-alive pass failed: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    }, this.config.KEEPALIVE_SWEEP_MS);
    this.timer.unref();
  }

  async tick(): Promise<{ keptAlive: number; closed: number }> {
    const closed = await this.closeEnded();
    const keptAlive = (await this.lease.hold()) ? await this.keepAlive() : 0;
    return { keptAlive, closed };
  }

  private async keepAlive(): Promise<number> {
    const rest = this.registry.all().filter((p) => !p.stateful && p.keepAliveIntervalMs > 0);
    if (rest.length === 0) return 0;
    const names = rest.map((p) => p.name);
    const seen = new Set<string>();
    let sent = 0;
    // Page through them all: a session past the first batch needs its keep-alive too.
    for (let skip = 0, page: SessionRow[] = []; skip === 0 || page.length === BATCH; skip += BATCH) {
      page = await this.sessions.activeOn(names, BATCH, skip);
      for (const session of page) {
        seen.add(session.id);
        const interval = this.registry.get(session.provider).keepAliveIntervalMs;
        if (Date.now() - (this.lastSent.get(session.id) ?? 0) < interval - this.config.KEEPALIVE_SWEEP_MS) continue;
        const scope = { tenantId: TenantScopes.ofRecord(session.tenantId), sessionId: session.id };
        try {
          const ref = await this.providerSessions.ref(scope, session.provider, session);
          await (await this.connections.get(session.provider, ref)).keepAlive();
          this.lastSent.set(session.id, Date.now());
          sent++;
        } catch (err) {
          // The vendor ended it, or is down: the next task or pass finds out again.
          if (err instanceof ProviderError) this.metrics.counter('providerErrors').inc({ provider: err.provider, operation: 'keep_alive', code: err.code });
          this.logger.warn(`keep-alive of session ${session.id} (${session.provider}) failed: ${(err as Error).message}`);
        }
      }
    }
    for (const id of this.lastSent.keys()) if (!seen.has(id)) this.lastSent.delete(id);
    return sent;
  }

  private async closeEnded(): Promise<number> {
    let closed = 0;
    for (const scope of this.connections.heldSessions()) {
      const session = await this.sessions.find(scope.tenantId, scope.sessionId);
      // A session being started is still `created` until the gateway records the start: keep it.
      if (session && session.status !== 'stopped') continue;
      await this.connections.close(scope.sessionId);
      closed++;
    }
    if (closed > 0) this.logger.warn(`closed ${closed} vendor connection(s) of sessions that had ended`);
    return closed;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
