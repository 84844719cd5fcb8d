import type { NatsConnection } from '@nats-io/transport-node';
import { COMMANDS, HaltCommand, OwnerSpeakCommand, OwnerSpeechMessage, ProviderErrorDetails } from '@avatar/contracts';
import { CommandBus, CommandError, createInboxOf, decodeJson, SessionScope } from '@avatar/messaging';
import { ProviderConnection, ProviderError, ProviderMediaEvent, SpeechOutcome, SpeechRequest } from '@avatar/providers';
import { SessionOwnership } from './session-ownership';

/** How long the owner has to accept a task (it answers before speaking). */
const ACCEPT_TIMEOUT_MS = 2000;
/** How often the asker checks that the owner still holds the session while it speaks. */
const OWNER_CHECK_MS = 1000;
/** After an abort, how long the asker waits for the owner's outcome before giving up on it. */
const ABORT_GRACE_MS = 2000;

export interface RemoteConnectionDeps {
  nc: NatsConnection;
  commands: CommandBus;
  ownership: SessionOwnership;
  scope: SessionScope;
  provider: string;
  /** The worker id holding the session's vendor connection. */
  owner: string;
  /** Opens the session's vendor connection here, once this worker has taken the session over. */
  takeOver: () => Promise<ProviderConnection>;
}

/**
 * A stateful vendor session owned by another worker, seen from the worker holding a
 * task's job (docs/adr/0012): speaking asks the owner (NATS request on the session's
 * speak subject, which only the owner subscribes to) and relays the media it streams
 * back, so the task's order, frame ids and ending stay with the job holder. An owner
 * that does not answer is gone: the session is taken over (its lease is taken from
 * the dead owner), the vendor connection reopened here and the task spoken here, in
 * the same attempt. An owner that dies mid-speech fails the attempt retryably.
 */
export class RemoteConnection implements ProviderConnection {
  constructor(private readonly deps: RemoteConnectionDeps) {}

  async speak(request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome> {
    const { nc, commands, scope } = this.deps;
    // Under this worker's inbox prefix: the only inboxes its NATS user may read.
    const inbox = createInboxOf(nc);
    const messages = nc.subscribe(inbox);
    let ownerGone = false;
    let abortTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      commands.broadcast<HaltCommand>(scope, COMMANDS.HALT, { task_ids: [request.taskId] });
      // If the owner never confirms, the asker does not wait forever.
      abortTimer = setTimeout(() => messages.unsubscribe(), ABORT_GRACE_MS);
    };
    const watchdog = setInterval(() => {
      void this.deps.ownership.ownerOf(scope.sessionId).then((owner) => {
        if (owner !== this.deps.owner) {
          ownerGone = true;
          messages.unsubscribe();
        }
      }, () => undefined /* a Redis blip: the next check asks again */);
    }, OWNER_CHECK_MS);
    try {
      if (!(await this.ask(request, inbox))) {
        // The owner is gone and this worker took the session: speak here, in this attempt.
        clearInterval(watchdog);
        messages.unsubscribe();
        return await (await this.deps.takeOver()).speak(request, emit, signal);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      for await (const msg of messages) {
        const message = OwnerSpeechMessage.parse(decodeJson(msg.data));
        if ('event' in message) await emit(message.event as unknown as ProviderMediaEvent);
        else if ('outcome' in message) return { spokenSeconds: message.outcome.spoken_seconds, interrupted: message.outcome.interrupted };
        else throw this.failure(message.error.message, message.error.details as ProviderErrorDetails | undefined);
      }
      if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
      throw this.failure(ownerGone ? 'the worker holding the vendor connection went away mid-speech' : 'the owner stopped answering');
    } finally {
      clearInterval(watchdog);
      clearTimeout(abortTimer);
      signal.removeEventListener('abort', onAbort);
      messages.unsubscribe();
    }
  }

  /** The owner holds the keep-alive of its connection. */
  async keepAlive(): Promise<void> {}

  /** Nothing is held here: the owner closes its connection (COMMANDS.CLOSE). */
  async close(): Promise<void> {}

  /** True when the owner took the task; false when it is gone and this worker now owns the session. */
  private async ask(request: SpeechRequest, inbox: string): Promise<boolean> {
    const { commands, scope, ownership, owner } = this.deps;
    const command: OwnerSpeakCommand = { task_id: request.taskId, text: request.text, voice_id: request.voiceId, voice_settings: request.voiceSettings, audio: request.audio ? true : undefined, inbox };
    try {
      await commands.request<OwnerSpeakCommand, { accepted: true }>(scope, COMMANDS.SPEAK, command, ACCEPT_TIMEOUT_MS);
      return true;
    } catch (err) {
      if (err instanceof CommandError && (err.code === 'NO_WORKER' || err.code === 'TIMEOUT')) {
        // Nobody serves the session's speech: its owner died (or lost NATS). Take it over.
        if (await ownership.claim(scope.sessionId, owner)) return false;
        throw this.failure(`the worker holding the session's ${this.deps.provider} connection is gone and another worker took it over`);
      }
      throw err;
    }
  }

  private failure(message: string, details?: ProviderErrorDetails): ProviderError {
    if (details?.kind && details.provider) return ProviderError.fromDetails(message, details);
    return new ProviderError(message, { kind: 'connection', provider: this.deps.provider });
  }
}
