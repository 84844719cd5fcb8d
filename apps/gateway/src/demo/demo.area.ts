import type { GatewayAreaFactory } from '../gateway-area';
import { DemoApiController } from './demo-api.controller';
import { DEMO_ASSET_PATHS, demoAssetPaths, DemoAssets } from './demo-assets';
import { DemoOffController } from './demo-off.controller';
import { DemoPageController } from './demo-page.controller';
import { DemoSessionController } from './demo-session.controller';
import { DemoSessionGuard } from './demo-session.guard';
import { DEMO_TENANT_ID, DemoTenant } from './demo-tenant';
import { DemoCatalogUseCase } from './use-cases/demo-catalog.use-case';
import { StartDemoSessionUseCase } from './use-cases/start-demo-session.use-case';

/**
 * The browser demo (`/demo`, README "Browser demo"): a page built on the SDK's browser
 * mode, for one tenant a developer names in DEMO_TENANT_ID (the dev tenant under `npm
 * start`; refused in production). Outside /v1 and the OpenAPI document. It composes the
 * /v1 use cases (create, start, speak, chat, interrupt, stop, token, catalog) with that
 * tenant's scope. Unset, only a 404 answers under /demo.
 */
export const demoArea: GatewayAreaFactory = (config) => {
  if (!config.DEMO_TENANT_ID) return { controllers: [DemoOffController] };
  return {
    controllers: [DemoPageController, DemoApiController, DemoSessionController],
    providers: [
      { provide: DEMO_TENANT_ID, useValue: config.DEMO_TENANT_ID },
      { provide: DEMO_ASSET_PATHS, useValue: demoAssetPaths(config.DEMO_WS_URL) },
      DemoTenant,
      DemoAssets,
      DemoSessionGuard,
      DemoCatalogUseCase,
      StartDemoSessionUseCase,
    ],
  };
};
