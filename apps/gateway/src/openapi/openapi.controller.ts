import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from '@avatar/contracts';
import { APP_VERSION } from '@avatar/observability';

/** GET /openapi.json: the API description, built from the same contracts the routes validate with. */
@Controller()
export class OpenApiController {
  private readonly document = openApiDocument(APP_VERSION);

  @Get('openapi.json')
  get(): Record<string, unknown> {
    return this.document;
  }
}
