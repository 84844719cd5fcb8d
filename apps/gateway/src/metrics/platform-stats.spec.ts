import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { encodeJson } from '@avatar/messaging';
import type { Db } from '@avatar/persistence';
import { Metrics } from '@avatar/observability';
import { PlatformStats } from './platform-stats';

function setup(options: { replies?: unknown[]; dbDown?: boolean; requestError?: Error } = {}) {
  const metrics = new Metrics('gateway', { processMetrics: false });
  const queryRaw = jest.fn(async (strings: TemplateStringsArray) => {
    if (options.dbDown) throw new Error('database down');
    return strings.join('').includes('GROUP BY provider') ? [{ provider: 'local', n: 3 }, { provider: 'heygen', n: 1 }] : [{ n: 10 }];
  });
  const requestMany = jest.fn(async () => {
    if (options.requestError) throw options.requestError;
    return (async function* () {
      for (const reply of options.replies ?? []) yield { data: encodeJson(reply) };
    })();
  });
  const redis = { info: jest.fn(async () => '# Memory\r\nused_memory:257425408\r\nused_memory_human:245.50M\r\n') };
  const stats = new PlatformStats(metrics, { $queryRaw: queryRaw } as unknown as Db, redis as unknown as Redis, { requestMany } as unknown as NatsConnection);
  stats.onModuleInit();
  return { stats, metrics, queryRaw, requestMany };
}

beforeEach(() => jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('PlatformStats', () => {
  it('counts sessions from the database (active, and all ever created), once per cache period', async () => {
    const t = setup();
    expect(await t.stats.sessionTotals()).toEqual({ active: 4, total: 10 });
    expect(await t.stats.sessionTotals()).toEqual({ active: 4, total: 10 });
    expect(t.queryRaw).toHaveBeenCalledTimes(2); // one read: two statements
  });

  it('sets the active sessions gauge per provider at scrape time', async () => {
    const t = setup();
    await t.metrics.text();
    expect(await t.metrics.values('sessionsActive')).toEqual([
      { labels: { provider: 'local' }, value: 3 },
      { labels: { provider: 'heygen' }, value: 1 },
    ]);
  });

  it('answers null counts and shows no gauge series when the database does not answer (never a made-up figure)', async () => {
    const t = setup({ dbDown: true });
    expect(await t.stats.sessionTotals()).toEqual({ active: null, total: null });
    await t.metrics.text();
    expect(await t.metrics.values('sessionsActive')).toEqual([]);
  });

  it("sums the socket counts of the notifiers that answered, ignoring a malformed answer", async () => {
    const t = setup({ replies: [{ sockets: 2 }, { sockets: 5 }, { sockets: -1 }, { nope: true }] });
    expect(await t.stats.websocketConnections()).toBe(7);
    expect(t.requestMany).toHaveBeenCalledWith('ops.notifier.sockets', undefined, { strategy: 'timer', maxWait: 250 });
  });

  it('answers null connections when no notifier answered, or NATS refused the question', async () => {
    expect(await setup({ replies: [] }).stats.websocketConnections()).toBeNull();
    expect(await setup({ requestError: new Error('503 no responders') }).stats.websocketConnections()).toBeNull();
  });

  it("reads Redis's used memory in MB", async () => {
    expect(await setup().stats.redisMemory()).toBe('246MB');
  });
});
