import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { PlatformError, SessionTokenResponse } from '@avatar/contracts';
import { SessionsRepository } from '@avatar/persistence';
import { signSessionToken } from '@avatar/tenancy';
import { GATEWAY_CONFIG, GatewayConfig } from '../../gateway-config';
import { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { findSessionOrThrow } from './find-session';

/** Statuses a session can still be watched in. */
const LIVE_STATUSES: ReadonlySet<string> = new Set(['created', 'active']);

/**
 * streaming.token: a fresh WebSocket token for one of the tenant's live sessions, for
 * a frontend whose token is about to expire (or was lost). A stopped session gets none.
 */
@Injectable()
export class IssueSessionTokenUseCase {
  constructor(
    private readonly sessions: SessionsRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly tenantSettings: TenantSettingsCache,
  ) {}

  async execute(tenantId: TenantScope, sessionId: string): Promise<SessionTokenResponse> {
    const session = await findSessionOrThrow(this.sessions, tenantId, sessionId);
    if (!LIVE_STATUSES.has(session.status)) {
      throw PlatformError.sessionNotActive(session.id, session.status, ': a token is issued for a created or active session only');
    }
    const ttlSeconds = this.config.SESSION_TOKEN_TTL_SECONDS;
    // The tenant's WebSocket message rate at the time of issue (claim wsr).
    const wsMessagesPerSecond = (await this.tenantSettings.settingsOf(tenantId)).limits.ws_messages_per_second;
    return {
      access_token: signSessionToken({ tenantId, sessionId: session.id, ttlSeconds, wsMessagesPerSecond }, this.config.SESSION_TOKEN_SECRET),
      expires_in: ttlSeconds,
    };
  }
}
