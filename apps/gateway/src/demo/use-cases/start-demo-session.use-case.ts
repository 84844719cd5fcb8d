import { Inject, Injectable, Logger } from '@nestjs/common';
import { CreateSessionRequest, TenantScope } from '@avatar/contracts';
import { END_REASONS } from '@avatar/persistence';
import { LOCAL_PROVIDER } from '@avatar/providers';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { CreateSessionUseCase } from '../../sessions/use-cases/create-session.use-case';
import { StartSessionUseCase } from '../../sessions/use-cases/start-session.use-case';
import { StopSessionUseCase } from '../../sessions/use-cases/stop-session.use-case';
import type { DemoSessionRequest, DemoSessionResponse } from '@avatar/contracts';
import { DemoTenant } from '../demo-tenant';

/**
 * POST /demo/api/sessions: streaming.new then streaming.start for the demo tenant (its
 * quotas, providers and billing, as /v1), answering what the page needs to connect:
 * the session token and the notifier's URL. A start that fails stops the session just
 * created, so the page is left with nothing half-done and the tenant billed nothing.
 */
@Injectable()
export class StartDemoSessionUseCase {
  private readonly logger = new Logger(StartDemoSessionUseCase.name);

  constructor(
    private readonly demo: DemoTenant,
    private readonly createSession: CreateSessionUseCase,
    private readonly startSession: StartSessionUseCase,
    private readonly stopSession: StopSessionUseCase,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'SESSION_TOKEN_TTL_SECONDS' | 'DEMO_WS_URL'>,
  ) {}

  async execute(request: DemoSessionRequest): Promise<DemoSessionResponse> {
    const tenant = await this.demo.activeScope();
    // /v1's defaults for the rest (quality medium, the platform's idle timeout and max duration).
    const created = await this.createSession.execute(tenant, CreateSessionRequest.parse(request));
    let provider: string | undefined;
    try {
      ({ provider } = await this.startSession.execute(tenant, { session_id: created.session_id }));
    } catch (err) {
      await this.abandon(tenant, created.session_id, err);
      throw err;
    }
    return {
      session_id: created.session_id,
      access_token: created.access_token,
      expires_in: this.config.SESSION_TOKEN_TTL_SECONDS,
      ws_url: this.config.DEMO_WS_URL,
      // streaming.start always names it; the fallback only satisfies its optional type.
      provider: provider ?? request.provider ?? LOCAL_PROVIDER,
    };
  }

  /** The start's error is what the page is answered, whatever happens here. */
  private async abandon(tenant: TenantScope, sessionId: string, cause: unknown): Promise<void> {
    try {
      await this.stopSession.execute(tenant, sessionId, END_REASONS.START_FAILED);
    } catch (stopErr) {
      this.logger.error(`demo session ${sessionId} failed to start (${(cause as Error)?.message ?? cause}) and could not be stopped: ${(stopErr as Error)?.message ?? stopErr}`);
    }
  }
}
