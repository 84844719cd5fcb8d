import { Inject, Injectable, Logger } from '@nestjs/common';
import { EndedSession, SessionsRepository } from '@avatar/persistence';
import { EventPublisher, SessionScope } from '@avatar/messaging';
import { Metrics } from '@avatar/observability';
import { WORKER_CONFIG, WorkerConfig } from '../../worker-config';
import { ProviderConnections } from '../../providers/provider-connections';
import { StopProviderSessionUseCase } from '../use-cases/stop-provider-session.use-case';

/** What finishing a session the database ended takes on this worker. */
export interface SessionEndingDeps {
  stopSession: StopProviderSessionUseCase;
  connections: ProviderConnections;
  events: EventPublisher;
  logger: Logger;
}

/**
 * After an ending statement (the reaper's, the quota enforcer's) ended a session and
 * fixed its bill: drop its tasks and vendor session here, then announce
 * `session.stopped {duration, billed_seconds, reason}` (which closes its sockets, so
 * clients see their tasks' ends first). Only the caller that ended the session
 * (RETURNING) calls this: one event per session.
 */
export async function finishEndedSession(deps: SessionEndingDeps, ended: EndedSession): Promise<void> {
  const scope: SessionScope = { tenantId: ended.tenantId, sessionId: ended.sessionId };
  deps.logger.log(`session ${ended.sessionId} ended: ${ended.reason}, ${ended.durationMs / 1000} s, billed ${ended.billedSeconds} s`);
  try {
    await deps.stopSession.execute(scope, { reason: ended.reason });
    await deps.connections.close(ended.sessionId);
  } catch (err) {
    // Its duration is fixed already; the tasks still end when a worker reaches
    // them and finds the session stopped.
    deps.logger.warn(`session ${ended.sessionId}: could not end its tasks or vendor session: ${(err as Error).message}`);
  }
  try {
    await deps.events.publish(scope, { type: 'session.stopped', duration: ended.durationMs / 1000, billed_seconds: ended.billedSeconds, reason: ended.reason });
  } catch (err) {
    deps.logger.error(`session ${ended.sessionId}: session.stopped not published: ${(err as Error).message}`);
  }
}

/**
 * One tick of the session lifecycle (docs/adr/0007): records the platform heartbeat
 * and ends every session that is due (idle_timeout, max_duration, or `reaped` when
 * the platform was down longer than the grace: billed up to the last beat). The
 * database decides which sessions end and when, once across all workers, and fixes
 * their billed seconds; this worker then drops their tasks and vendor sessions and
 * announces `session.stopped`.
 */
@Injectable()
export class ReapSessionsUseCase {
  private readonly logger = new Logger(ReapSessionsUseCase.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly stopSession: StopProviderSessionUseCase,
    private readonly connections: ProviderConnections,
    private readonly events: EventPublisher,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: Metrics,
  ) {}

  async execute(): Promise<EndedSession[]> {
    const beat = await this.sessions.beatAndReap({
      graceMs: this.config.SESSION_HEARTBEAT_GRACE_MS,
      idleTimeoutS: this.config.SESSION_IDLE_TIMEOUT_SECONDS,
      maxDurationS: this.config.SESSION_MAX_DURATION_SECONDS,
    });
    const gapMs = beat.previousBeatAt ? beat.beatAt.getTime() - beat.previousBeatAt.getTime() : 0;
    if (gapMs > this.config.SESSION_HEARTBEAT_GRACE_MS) {
      this.logger.warn(`no heartbeat for ${(gapMs / 1000).toFixed(1)} s (last ${beat.previousBeatAt!.toISOString()}): the platform was down; sessions active then end at that beat`);
    }
    for (const ended of beat.ended) this.metrics.counter('reaperActions').inc({ action: 'end_session', reason: ended.reason });
    // One at a time: a burst of endings must not flood the vendors or NATS.
    const deps = { stopSession: this.stopSession, connections: this.connections, events: this.events, logger: this.logger };
    for (const ended of beat.ended) await finishEndedSession(deps, ended);
    return beat.ended;
  }
}
