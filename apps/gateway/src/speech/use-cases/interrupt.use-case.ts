import { Inject, Injectable } from '@nestjs/common';
import { COMMANDS, InterruptCommand, InterruptReply, InterruptResponse, PlatformError } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { CommandBus } from '@avatar/messaging';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { commandFailure } from '../../sessions/use-cases/command-errors';

/**
 * streaming.interrupt: a worker ends the speaking task and every queued one of the
 * session (they end `interrupted`); the answer lists them.
 */
@Injectable()
export class InterruptUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly commands: CommandBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async execute(tenantId: string, sessionId: string): Promise<InterruptResponse> {
    const status = await this.sessions.statusOf(tenantId, sessionId);
    if (!status) throw PlatformError.sessionNotFound(sessionId);
    if (status !== 'active') throw PlatformError.sessionNotActive(sessionId, status);
    try {
      const reply = await this.commands.request<InterruptCommand, InterruptReply>(
        { tenantId, sessionId },
        COMMANDS.INTERRUPT,
        { reason: 'client' },
        this.config.COMMAND_TIMEOUT_MS,
      );
      return { status: 'interrupted', interrupted_task_ids: reply.interrupted_task_ids };
    } catch (err) {
      throw commandFailure(err, 'interrupt the session');
    }
  }
}
