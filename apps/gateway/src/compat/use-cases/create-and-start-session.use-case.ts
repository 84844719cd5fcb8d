import type { TenantScope } from '@avatar/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { CompatCreateSessionRequest, CompatCreateSessionResponse, CreateSessionRequest } from '@avatar/contracts';
import { END_REASONS } from '@avatar/persistence';
import { CreateSessionUseCase } from '../../sessions/use-cases/create-session.use-case';
import { StartSessionUseCase } from '../../sessions/use-cases/start-session.use-case';
import { StopSessionUseCase } from '../../sessions/use-cases/stop-session.use-case';

/**
 * Avaturn's `POST /api/v1/sessions`: that API has no start step, so the session is
 * created (streaming.new: quotas, provider, conversation_engine checks) and started
 * (streaming.start: the vendor session, billing) in one call. If the start fails, the
 * session just created is stopped before the error is answered: the client, which
 * never learns its id, is left with nothing half-done and is billed nothing for it.
 */
@Injectable()
export class CreateAndStartSessionUseCase {
  private readonly logger = new Logger(CreateAndStartSessionUseCase.name);

  constructor(
    private readonly createSession: CreateSessionUseCase,
    private readonly startSession: StartSessionUseCase,
    private readonly stopSession: StopSessionUseCase,
  ) {}

  async execute(tenantId: TenantScope, request: CompatCreateSessionRequest): Promise<CompatCreateSessionResponse> {
    // The /v1 request with /v1's defaults for what Avaturn's body does not carry (quality).
    const created = await this.createSession.execute(tenantId, CreateSessionRequest.parse(request));
    try {
      await this.startSession.execute(tenantId, { session_id: created.session_id });
    } catch (err) {
      await this.abandon(tenantId, created.session_id, err);
      throw err;
    }
    return { session_id: created.session_id, token: created.access_token };
  }

  /** Stops the session whose start failed; the start's error is what the client is answered, whatever happens here. */
  private async abandon(tenantId: TenantScope, sessionId: string, cause: unknown): Promise<void> {
    try {
      // The client's one call asked for a running session and gets the failure instead:
      // ending it is the stop that client would otherwise have to send.
      await this.stopSession.execute(tenantId, sessionId, END_REASONS.START_FAILED);
    } catch (stopErr) {
      this.logger.error(
        `session ${sessionId} failed to start (${(cause as Error)?.message ?? cause}) and could not be stopped: ${(stopErr as Error)?.message ?? stopErr}`,
      );
    }
  }
}
