import { TenantScopes } from '@avatar/contracts';
import { Logger } from '@nestjs/common';
import type { BeatResult, SessionsRepository } from '@avatar/persistence';
import type { EventPublisher } from '@avatar/messaging';
import { fakeEventPublisher } from '@avatar/testing';
import type { WorkerConfig } from '../../worker-config';
import type { ProviderConnections } from '../../providers/provider-connections';
import type { StopProviderSessionUseCase } from '../use-cases/stop-provider-session.use-case';
import { Metrics } from '@avatar/observability';
import { ReapSessionsUseCase } from './reap-sessions.use-case';

const CONFIG = { SESSION_HEARTBEAT_GRACE_MS: 1500, SESSION_IDLE_TIMEOUT_SECONDS: 3, SESSION_MAX_DURATION_SECONDS: 60 } as WorkerConfig;
const T0 = new Date('2026-01-01T00:00:00Z');

function setup(beat: Partial<BeatResult>) {
  const order: string[] = [];
  const sessions = { beatAndReap: jest.fn().mockResolvedValue({ previousBeatAt: T0, beatAt: new Date(T0.getTime() + 500), ended: [], ...beat }) };
  const stopSession = { execute: jest.fn(async (scope: { sessionId: string }) => void order.push(`stop ${scope.sessionId}`)) };
  const connections = { close: jest.fn().mockResolvedValue(undefined) };
  const events = fakeEventPublisher();
  events.publish.mockImplementation(async (scope, event) => {
    order.push(`${event.type} ${scope.sessionId}`);
    events.published.push({ scope, event });
    return 1;
  });
  const metrics = new Metrics('worker', { processMetrics: false });
  const useCase = new ReapSessionsUseCase(
    sessions as unknown as SessionsRepository,
    stopSession as unknown as StopProviderSessionUseCase,
    connections as unknown as ProviderConnections,
    events as unknown as EventPublisher,
    CONFIG,
    metrics,
  );
  return { useCase, sessions, stopSession, connections, events, order, metrics };
}

const ended = (sessionId: string, reason: string, durationMs: number, billedSeconds = Math.ceil(durationMs / 1000)) => ({
  tenantId: TenantScopes.ofRecord('tenant-1'),
  sessionId,
  reason,
  durationMs,
  billedSeconds,
  endedAt: T0,
});

afterEach(() => jest.restoreAllMocks());

describe('ReapSessionsUseCase', () => {
  it('beats with this worker’s grace and limits', async () => {
    const t = setup({});
    await t.useCase.execute();
    expect(t.sessions.beatAndReap).toHaveBeenCalledWith({ graceMs: 1500, idleTimeoutS: 3, maxDurationS: 60 });
  });

  it('ends the tasks and vendor session of each ended session, then announces session.stopped with its billed seconds and reason', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const t = setup({ ended: [ended('s1', 'idle_timeout', 3000), ended('s2', 'reaped', 12_345, 60)] });

    await t.useCase.execute();

    expect(t.stopSession.execute).toHaveBeenCalledWith({ tenantId: 'tenant-1', sessionId: 's1' }, { reason: 'idle_timeout' });
    expect(t.connections.close).toHaveBeenCalledWith('s2');
    expect(t.events.published.map((p) => p.event)).toEqual([
      { type: 'session.stopped', duration: 3, billed_seconds: 3, reason: 'idle_timeout' },
      { type: 'session.stopped', duration: 12.345, billed_seconds: 60, reason: 'reaped' },
    ]);
    expect(t.order).toEqual(['stop s1', 'session.stopped s1', 'stop s2', 'session.stopped s2']);
  });

  it('still announces session.stopped when its tasks could not be ended', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup({ ended: [ended('s1', 'max_duration', 60_000)] });
    t.stopSession.execute.mockRejectedValue(new Error('nats down'));

    await t.useCase.execute();

    expect(t.events.published.map((p) => p.event)).toEqual([{ type: 'session.stopped', duration: 60, billed_seconds: 60, reason: 'max_duration' }]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('nats down'));
  });

  it('announces nothing when nothing was due', async () => {
    const t = setup({ ended: [] });
    await expect(t.useCase.execute()).resolves.toEqual([]);
    expect(t.events.publish).not.toHaveBeenCalled();
    expect(t.stopSession.execute).not.toHaveBeenCalled();
    expect(await t.metrics.values('reaperActions')).toEqual([]);
  });

  it('counts every session it ended by reason (avatar_reaper_actions_total{action="end_session"})', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const t = setup({ ended: [ended('s1', 'idle_timeout', 3000), ended('s2', 'idle_timeout', 4000), ended('s3', 'reaped', 5000)] });

    await t.useCase.execute();

    expect(await t.metrics.values('reaperActions')).toEqual([
      { labels: { action: 'end_session', reason: 'idle_timeout' }, value: 2 },
      { labels: { action: 'end_session', reason: 'reaped' }, value: 1 },
    ]);
  });
});
