import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { COMMANDS, OwnerSpeakCommand } from '@avatar/contracts';
import { CommandBus, encodeJson, NATS_CONNECTION, SessionScope } from '@avatar/messaging';
import { ProviderConnection, ProviderError, ProviderRegistry, ProviderSessionRef } from '@avatar/providers';
import { ActiveSpeech } from '../speech/active-speech';
import { SessionOwnership } from './session-ownership';
import { RemoteConnection } from './remote-connection';
import { RecordedAudio } from '../audio/recorded-audio';

interface Held {
  scope: SessionScope;
  provider: string;
  providerSessionId: string;
  connection: Promise<ProviderConnection>;
  /** The owner's subscription to the session's speak subject (stateful vendors). */
  serving?: Subscription;
}

/** Told when a vendor session went away by itself (the vendor closed it or its socket). */
export type VendorLostListener = (event: { scope: SessionScope; provider: string; providerSessionId: string; error: Error }) => void;

/**
 * This process's connections to vendor sessions (docs/adr/0002, 0012). For REST
 * vendors every worker holds its own cheap handle. For stateful vendors (a socket per
 * session) one worker owns the connection (a Redis lease): it serves the session's
 * speech to whichever worker holds the task's job, and a worker that finds the owner
 * gone takes the session over and reconnects.
 */
@Injectable()
export class ProviderConnections implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProviderConnections.name);
  private readonly open = new Map<string, Held>();
  private readonly lostListeners: VendorLostListener[] = [];

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly ownership: SessionOwnership,
    private readonly commands: CommandBus,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly active: ActiveSpeech,
    private readonly recorded: RecordedAudio,
  ) {}

  onModuleInit(): void {
    // Another worker took the session over (this one was cut off): drop the connection here.
    this.ownership.onLost((sessionId) => void this.drop(sessionId));
  }

  onVendorLost(listener: VendorLostListener): void {
    this.lostListeners.push(listener);
  }

  /** The connection to speak on: held here, opened here, or (stateful, owned elsewhere) the owner's. */
  async get(provider: string, ref: ProviderSessionRef): Promise<ProviderConnection> {
    const sessionId = ref.spec.sessionId;
    const scope: SessionScope = { tenantId: ref.spec.tenantId as SessionScope['tenantId'], sessionId };
    const adapter = this.registry.get(provider);
    const held = this.heldFor(provider, sessionId, ref.providerSessionId);
    if (held) return held;
    // A failover moved the session to another vendor session, or this worker lost it.
    if (this.open.has(sessionId)) await this.drop(sessionId);
    if (!adapter.stateful) return this.openHere(scope, provider, ref, false);
    const owner = await this.ownership.ownerOf(sessionId);
    if (owner && owner !== this.ownership.workerId) return this.remote(scope, provider, owner, ref);
    if (!(await this.ownership.claim(sessionId))) {
      const current = await this.ownership.ownerOf(sessionId);
      if (current) return this.remote(scope, provider, current, ref);
      // Taken and released between the two reads: never hold a connection without the lease.
      throw new ProviderError(`session ${sessionId}: its ${provider} connection changed hands, trying again`, { kind: 'connection', provider });
    }
    return this.openHere(scope, provider, ref, true);
  }

  /**
   * The connection to speak on, building the ref (credentials, speech engine: database
   * reads) only when this worker does not hold the session's connection already: the
   * speech hot path pays for them once per session and worker, not once per task.
   */
  async connectionFor(provider: string, at: { sessionId: string; providerSessionId: string }, buildRef: () => Promise<ProviderSessionRef>): Promise<ProviderConnection> {
    return this.heldFor(provider, at.sessionId, at.providerSessionId) ?? this.get(provider, await buildRef());
  }

  /** Opens the connection of a session this worker just started, taking ownership of a stateful one. */
  async openStarted(provider: string, ref: ProviderSessionRef): Promise<void> {
    await this.get(provider, ref);
  }

  /**
   * Closes the session's connection here, if held (its vendor session is ended by stop,
   * not here); with `providerSessionId`, only a connection to that vendor session.
   */
  async close(sessionId: string, providerSessionId?: string): Promise<void> {
    if (providerSessionId !== undefined && this.open.get(sessionId)?.providerSessionId !== providerSessionId) return;
    await this.drop(sessionId);
  }

  /**
   * The user starts or stops talking: the connection held here, if its vendor has a
   * listening state, is told (a stateful one is held by its owner alone). Best effort: a vendor
   * that misses it keeps its own state, the platform's `status` event is already out.
   */
  async setListening(sessionId: string, listening: boolean): Promise<void> {
    const held = this.open.get(sessionId);
    if (!held) return;
    const connection = await held.connection.catch(() => undefined);
    await connection?.setListening?.(listening).catch((err: Error) => this.logger.warn(`session ${sessionId}: ${held.provider} listening state not set: ${err.message}`));
  }

  /** Sessions whose connection this worker holds. */
  heldSessions(): SessionScope[] {
    return [...this.open.values()].map((held) => held.scope);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.open.keys()].map((id) => this.drop(id)));
  }

  /** The connection held here for this vendor session, if it is still this worker's to use. */
  private heldFor(provider: string, sessionId: string, providerSessionId: string): Promise<ProviderConnection> | undefined {
    const held = this.open.get(sessionId);
    if (!held || held.provider !== provider || held.providerSessionId !== providerSessionId) return undefined;
    return !this.registry.get(provider).stateful || this.ownership.isMine(sessionId) ? held.connection : undefined;
  }

  private openHere(scope: SessionScope, provider: string, ref: ProviderSessionRef, serve: boolean): Promise<ProviderConnection> {
    const sessionId = scope.sessionId;
    const held: Held = { scope, provider, providerSessionId: ref.providerSessionId, connection: this.registry.get(provider).connect(ref) };
    this.open.set(sessionId, held);
    held.connection.then(
      (connection) => {
        if (this.open.get(sessionId) !== held) return;
        connection.onLost?.((error) => void this.lost(held, error));
        if (serve) held.serving = this.commands.handleSession<unknown, { accepted: true }>(scope, COMMANDS.SPEAK, (_s, body) => this.serveSpeech(held, connection, body), (err) => this.logger.warn(`speech for session ${sessionId} not served: ${(err as Error).message}`));
      },
      () => {
        // A failed connect is not kept: the next attempt tries again (and may take over).
        if (this.open.get(sessionId) === held) this.open.delete(sessionId);
        if (serve) void this.ownership.release(sessionId);
      },
    );
    return held.connection;
  }

  private remote(scope: SessionScope, provider: string, owner: string, ref: ProviderSessionRef): ProviderConnection {
    const takeOver = () => this.openHere(scope, provider, ref, true);
    return new RemoteConnection({ nc: this.nc, commands: this.commands, ownership: this.ownership, scope, provider, owner, takeOver });
  }

  /**
   * The owner speaks a task for the worker holding its job: answers at once, then
   * streams media and the outcome to the asker's inbox. A halt for the task reaches
   * this worker too (broadcast) and stops it here.
   */
  private async serveSpeech(held: Held, connection: ProviderConnection, body: unknown): Promise<{ accepted: true }> {
    const command = OwnerSpeakCommand.parse(body);
    const { sessionId } = held.scope;
    const signal = this.active.begin(sessionId, command.task_id);
    void (async () => {
      try {
        // An audio task's audio is read here from the database: it never rides on NATS.
        const audio = command.audio ? await this.recorded.of(held.scope.tenantId, command.task_id) : undefined;
        const outcome = await connection.speak(
          { taskId: command.task_id, text: command.text, voiceId: command.voice_id, voiceSettings: command.voice_settings, audio },
          async (event) => this.nc.publish(command.inbox, encodeJson({ event })),
          signal,
        );
        if (this.active.reason(sessionId, command.task_id) === 'handover') {
          // This owner is shutting down: the asker retries, and takes the session over.
          this.nc.publish(command.inbox, encodeJson({ error: { message: 'the owning worker is shutting down', details: { provider: held.provider, kind: 'connection', retryable: true } } }));
        } else {
          this.nc.publish(command.inbox, encodeJson({ outcome: { spoken_seconds: outcome.spokenSeconds, interrupted: outcome.interrupted } }));
        }
      } catch (err) {
        const details = (err as { toDetails?: () => Record<string, unknown> }).toDetails?.();
        this.nc.publish(command.inbox, encodeJson({ error: { message: (err as Error).message, ...(details ? { details } : {}) } }));
      } finally {
        this.active.end(sessionId, command.task_id);
      }
    })();
    return { accepted: true };
  }

  private async lost(held: Held, error: Error): Promise<void> {
    if (this.open.get(held.scope.sessionId) !== held) return;
    this.logger.warn(`session ${held.scope.sessionId}: ${held.provider} session ${held.providerSessionId} lost: ${error.message}`);
    await this.drop(held.scope.sessionId);
    for (const listener of this.lostListeners) listener({ scope: held.scope, provider: held.provider, providerSessionId: held.providerSessionId, error });
  }

  private async drop(sessionId: string): Promise<void> {
    const held = this.open.get(sessionId);
    this.open.delete(sessionId);
    await this.ownership.release(sessionId);
    if (!held) return;
    held.serving?.unsubscribe();
    try {
      await (await held.connection).close();
    } catch {
      // It never opened, or is already gone: nothing to close.
    }
  }
}
