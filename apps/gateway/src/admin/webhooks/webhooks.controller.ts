import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ADMIN_PREFIX,
  CreateWebhookRequest,
  CreateWebhookResponse,
  ListWebhookDeliveriesQuery,
  ListWebhookDeliveriesResponse,
  ListWebhooksResponse,
  TenantIdParam,
  TenantScopes,
  WEBHOOK_ADMIN_ROUTES as ROUTES,
  WebhookDeliveryParams,
  WebhookDeliveryResponse,
  WebhookParams,
} from '@avatar/contracts';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { validate } from '../../common/zod-validation.pipe';
import { CreateWebhookUseCase } from './use-cases/create-webhook.use-case';
import { ListWebhooksUseCase } from './use-cases/list-webhooks.use-case';
import { DeleteWebhookUseCase } from './use-cases/delete-webhook.use-case';
import { ListWebhookDeliveriesUseCase } from './use-cases/list-webhook-deliveries.use-case';
import { RetryWebhookDeliveryUseCase } from './use-cases/retry-webhook-delivery.use-case';

/** The webhook admin routes (ADMIN_TOKEN): a tenant's endpoints and their deliveries. The tenant is the one the operator names. */
@Controller(ADMIN_PREFIX)
@UseGuards(AdminTokenGuard)
export class WebhooksController {
  constructor(
    private readonly createWebhook: CreateWebhookUseCase,
    private readonly listWebhooks: ListWebhooksUseCase,
    private readonly deleteWebhook: DeleteWebhookUseCase,
    private readonly listDeliveries: ListWebhookDeliveriesUseCase,
    private readonly retryDelivery: RetryWebhookDeliveryUseCase,
  ) {}

  @Post(ROUTES.createWebhook.path)
  @HttpCode(201)
  create(@Param(validate(TenantIdParam)) params: TenantIdParam, @Body(validate(CreateWebhookRequest)) body: CreateWebhookRequest): Promise<CreateWebhookResponse> {
    return this.createWebhook.execute(TenantScopes.administered(params.tenant_id), body);
  }

  @Get(ROUTES.listWebhooks.path)
  list(@Param(validate(TenantIdParam)) params: TenantIdParam): Promise<ListWebhooksResponse> {
    return this.listWebhooks.execute(TenantScopes.administered(params.tenant_id));
  }

  @Delete(ROUTES.deleteWebhook.path)
  @HttpCode(204)
  delete(@Param(validate(WebhookParams)) params: WebhookParams): Promise<void> {
    return this.deleteWebhook.execute(TenantScopes.administered(params.tenant_id), params.webhook_id);
  }

  @Get(ROUTES.listDeliveries.path)
  deliveries(@Param(validate(WebhookParams)) params: WebhookParams, @Query(validate(ListWebhookDeliveriesQuery)) query: ListWebhookDeliveriesQuery): Promise<ListWebhookDeliveriesResponse> {
    return this.listDeliveries.execute(TenantScopes.administered(params.tenant_id), params.webhook_id, query);
  }

  @Post(ROUTES.retryDelivery.path)
  @HttpCode(202)
  retry(@Param(validate(WebhookDeliveryParams)) params: WebhookDeliveryParams): Promise<WebhookDeliveryResponse> {
    return this.retryDelivery.execute(TenantScopes.administered(params.tenant_id), params.webhook_id, params.delivery_id);
  }
}
