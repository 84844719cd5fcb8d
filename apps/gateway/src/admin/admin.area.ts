import type { GatewayAreaFactory } from '../gateway-area';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { AdminAudit } from './common/admin-audit';
import { ANNOUNCER } from './common/announcer.token';
import { NatsAnnouncer } from './common/nats-announcer';
import { AdminTenantsController } from './tenants/admin-tenants.controller';
import { CreateTenantUseCase } from './tenants/use-cases/create-tenant.use-case';
import { ListTenantsUseCase } from './tenants/use-cases/list-tenants.use-case';
import { GetTenantUseCase } from './tenants/use-cases/get-tenant.use-case';
import { UpdateTenantUseCase } from './tenants/use-cases/update-tenant.use-case';
import { DisableTenantUseCase } from './tenants/use-cases/disable-tenant.use-case';
import { EnableTenantUseCase } from './tenants/use-cases/enable-tenant.use-case';
import { AdminApiKeysController } from './api-keys/admin-api-keys.controller';
import { CreateApiKeyUseCase } from './api-keys/use-cases/create-api-key.use-case';
import { ListApiKeysUseCase } from './api-keys/use-cases/list-api-keys.use-case';
import { RotateApiKeyUseCase } from './api-keys/use-cases/rotate-api-key.use-case';
import { RevokeApiKeyUseCase } from './api-keys/use-cases/revoke-api-key.use-case';
import { AdminCredentialsController } from './credentials/admin-credentials.controller';
import { PutCredentialsUseCase } from './credentials/use-cases/put-credentials.use-case';
import { ListCredentialsUseCase } from './credentials/use-cases/list-credentials.use-case';
import { DeleteCredentialsUseCase } from './credentials/use-cases/delete-credentials.use-case';

/**
 * The admin API (`/admin/v1`, ADMIN_TOKEN): tenants, API keys, vendor credentials. It
 * also provides the gateway's CREDENTIAL_CIPHER (from CREDENTIALS_KEY /
 * CREDENTIALS_OLD_KEYS), which other areas (webhooks) inject to seal their secrets.
 */
export const adminArea: GatewayAreaFactory = (config) => ({
  imports: [],
  controllers: [AdminTenantsController, AdminApiKeysController, AdminCredentialsController],
  providers: [
    AdminTokenGuard,
    AdminAudit,
    { provide: ANNOUNCER, useClass: NatsAnnouncer },
    CreateTenantUseCase,
    ListTenantsUseCase,
    GetTenantUseCase,
    UpdateTenantUseCase,
    DisableTenantUseCase,
    EnableTenantUseCase,
    CreateApiKeyUseCase,
    ListApiKeysUseCase,
    RotateApiKeyUseCase,
    RevokeApiKeyUseCase,
    PutCredentialsUseCase,
    ListCredentialsUseCase,
    DeleteCredentialsUseCase,
  ],
});
