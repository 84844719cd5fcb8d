import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { NOTIFIER_SOCKETS_SUBJECT, NotifierSocketsReply } from '@avatar/contracts';
import { decodeJson, NATS_CONNECTION, REDIS_CLIENT, withTimeout } from '@avatar/messaging';
import { Db, PRISMA_CLIENT } from '@avatar/persistence';
import { cachedReading, Metrics } from '@avatar/observability';

/** Session counts are read from the database at most this often (a scrape every few seconds must not load it). */
export const SESSION_COUNTS_TTL_MS = 10_000;
/** How long the gateway collects notifiers' socket counts (each answers at once; a slow one is left out). */
export const NOTIFIER_ANSWER_WINDOW_MS = 250;
/** A reading that takes longer than this is given up (a dead dependency must not hang a scrape). */
const READ_TIMEOUT_MS = 2000;

export interface SessionCounts {
  total: number;
  active: number;
  activeByProvider: Record<string, number>;
}

/**
 * What the gateway knows about the whole platform, measured where it lives: session
 * counts in the database (cached), Redis's memory (INFO), and the WebSocket
 * connections of every notifier, asked over NATS (each notifier answers its own count;
 * the gateway sums the answers that arrive within NOTIFIER_ANSWER_WINDOW_MS).
 * Also feeds the `avatar_sessions_active{provider}` gauge.
 */
@Injectable()
export class PlatformStats implements OnModuleInit {
  private readonly logger = new Logger(PlatformStats.name);
  readonly sessionCounts: () => Promise<SessionCounts>;
  private readonly sockets: () => Promise<number | null>;

  constructor(
    private readonly metrics: Metrics,
    @Inject(PRISMA_CLIENT) private readonly db: Db,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {
    this.sessionCounts = cachedReading(() => this.readSessionCounts(), { ttlMs: SESSION_COUNTS_TTL_MS, timeoutMs: READ_TIMEOUT_MS });
    this.sockets = cachedReading(() => this.askNotifiers(), { ttlMs: 2000, timeoutMs: READ_TIMEOUT_MS });
  }

  onModuleInit(): void {
    this.metrics.observe('sessionsActive', async (gauge) => {
      gauge.reset();
      try {
        const counts = await this.sessionCounts();
        for (const [provider, n] of Object.entries(counts.activeByProvider)) gauge.set({ provider }, n);
      } catch (err) {
        // No series rather than a stale or invented figure.
        this.logger.debug(`sessions not counted: ${(err as Error).message}`);
      }
    });
  }

  /** Sessions counted, or null each when the database does not answer. */
  async sessionTotals(): Promise<{ active: number | null; total: number | null }> {
    try {
      const counts = await this.sessionCounts();
      return { active: counts.active, total: counts.total };
    } catch {
      return { active: null, total: null };
    }
  }

  /** Redis's used memory as `<n>MB`, or null when it does not answer. */
  async redisMemory(): Promise<string | null> {
    try {
      const info = await withTimeout(this.redis.info('memory'), READ_TIMEOUT_MS, 'Redis did not answer INFO');
      const bytes = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
      return Number.isFinite(bytes) ? `${Math.round(bytes / (1024 * 1024))}MB` : null;
    } catch {
      return null;
    }
  }

  /** Sockets open on all notifiers that answered, or null when none did. */
  async websocketConnections(): Promise<number | null> {
    return this.sockets().catch(() => null);
  }

  private async readSessionCounts(): Promise<SessionCounts> {
    const [byProvider, all] = await Promise.all([
      this.db.$queryRaw<Array<{ provider: string; n: number }>>`SELECT provider, count(*)::int AS n FROM sessions WHERE status = 'active' GROUP BY provider`,
      this.db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM sessions`,
    ]);
    const activeByProvider = Object.fromEntries(byProvider.map((row) => [row.provider, Number(row.n)]));
    return { total: Number(all[0]?.n ?? 0), active: byProvider.reduce((sum, row) => sum + Number(row.n), 0), activeByProvider };
  }

  private async askNotifiers(): Promise<number | null> {
    let answers = 0;
    let sockets = 0;
    try {
      const replies = await this.nc.requestMany(NOTIFIER_SOCKETS_SUBJECT, undefined, { strategy: 'timer', maxWait: NOTIFIER_ANSWER_WINDOW_MS });
      for await (const msg of replies) {
        const reply = decodeJson<NotifierSocketsReply>(msg.data);
        if (Number.isSafeInteger(reply?.sockets) && reply.sockets >= 0) {
          answers++;
          sockets += reply.sockets;
        }
      }
    } catch (err) {
      // No responders (no notifier runs), or NATS refused the request (permissions).
      this.logger.debug(`notifiers not asked: ${(err as Error).message}`);
    }
    return answers > 0 ? sockets : null;
  }
}

