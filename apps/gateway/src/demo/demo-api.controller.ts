import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { validate } from '../common/zod-validation.pipe';
import { DemoCatalogResponse, DemoSessionRequest, DemoSessionResponse } from '@avatar/contracts';
import { DemoCatalogUseCase } from './use-cases/demo-catalog.use-case';
import { StartDemoSessionUseCase } from './use-cases/start-demo-session.use-case';

/**
 * The demo page's calls before it has a session (`/demo/api`): the catalog, and a new
 * running session of the demo tenant with its token. No API key: the demo is on only
 * where an operator set DEMO_TENANT_ID, never in production.
 */
@Controller('demo/api')
export class DemoApiController {
  constructor(
    private readonly catalog: DemoCatalogUseCase,
    private readonly startSession: StartDemoSessionUseCase,
  ) {}

  @Get('catalog')
  list(): Promise<DemoCatalogResponse> {
    return this.catalog.execute();
  }

  @Post('sessions')
  @HttpCode(200)
  create(@Body(validate(DemoSessionRequest)) body: DemoSessionRequest): Promise<DemoSessionResponse> {
    return this.startSession.execute(body);
  }
}
