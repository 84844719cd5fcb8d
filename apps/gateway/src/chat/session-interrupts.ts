import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { COMMANDS, subjects } from '@avatar/contracts';
import { NATS_CONNECTION, SessionScope } from '@avatar/messaging';

/**
 * Hears a session's interrupts while a chat reply streams into it: every interrupt,
 * wherever it ran (HTTP, a socket, a stop), broadcasts a halt on `cmd.<t>.<s>.halt`
 * (InterruptDispatcher), and this plain subscription gets a copy. It makes the reply
 * stop at once; the enqueue condition on the session's interrupt count is what
 * guarantees no sentence is queued after the interrupt even if this copy is lost.
 */
@Injectable()
export class SessionInterrupts {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** Calls `onInterrupt` at the session's next interrupt; call the answer to stop listening. */
  watch(scope: SessionScope, onInterrupt: () => void): () => void {
    const subscription = this.nc.subscribe(subjects.command(scope.tenantId, scope.sessionId, COMMANDS.HALT), { callback: () => onInterrupt() });
    return () => subscription.unsubscribe();
  }
}
