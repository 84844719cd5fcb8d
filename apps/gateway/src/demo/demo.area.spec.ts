import type { Provider } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { PlatformError } from '@avatar/contracts';
import type { GatewayConfig } from '../gateway-config';
import { DemoApiController } from './demo-api.controller';
import { DEMO_ASSET_PATHS } from './demo-assets';
import { DemoOffController } from './demo-off.controller';
import { DemoPageController } from './demo-page.controller';
import { DemoSessionController } from './demo-session.controller';
import { DEMO_TENANT_ID } from './demo-tenant';
import { demoArea } from './demo.area';

const config = (demoTenant?: string) => ({ DEMO_TENANT_ID: demoTenant, DEMO_WS_URL: 'ws://localhost:8001/ws' }) as GatewayConfig;
const TENANT = '00000000-0000-4000-8000-00000000de00';

describe('demoArea', () => {
  it('wires none of the demo while DEMO_TENANT_ID is unset: only a 404 under /demo', () => {
    const area = demoArea(config(undefined));
    expect(area.controllers).toEqual([DemoOffController]);
    expect(area.providers ?? []).toEqual([]);
    expect(Reflect.getMetadata(PATH_METADATA, DemoOffController)).toBe('demo');
    // Every method, /demo itself and anything below it.
    expect(Reflect.getMetadata(METHOD_METADATA, DemoOffController.prototype.off)).toBe(RequestMethod.ALL);
    expect(Reflect.getMetadata(PATH_METADATA, DemoOffController.prototype.off)).toEqual(['', '*']);
    const answer = (() => {
      try {
        new DemoOffController().off();
      } catch (err) {
        return err;
      }
    })();
    expect(answer).toBeInstanceOf(PlatformError);
    expect(answer).toMatchObject({ code: 'NOT_FOUND', status: 404, message: expect.stringMatching(/DEMO_TENANT_ID/) });
  });

  it('with DEMO_TENANT_ID: the page, its API and the session routes, for that tenant and the configured notifier URL', () => {
    const area = demoArea(config(TENANT));
    expect(area.controllers).toEqual([DemoPageController, DemoApiController, DemoSessionController]);
    const providers = area.providers as Array<Provider & { provide?: unknown; useValue?: unknown }>;
    expect(providers.find((p) => p.provide === DEMO_TENANT_ID)?.useValue).toBe(TENANT);
    expect(providers.find((p) => p.provide === DEMO_ASSET_PATHS)?.useValue).toMatchObject({ wsUrl: 'ws://localhost:8001/ws' });
  });

  it('serves the page and the pre-session API without an API key guard (the session routes have their own)', () => {
    for (const controller of [DemoPageController, DemoApiController]) expect(Reflect.getMetadata(GUARDS_METADATA, controller)).toBeUndefined();
    expect(Reflect.getMetadata(PATH_METADATA, DemoPageController)).toBe('demo');
    expect(Reflect.getMetadata(PATH_METADATA, DemoApiController)).toBe('demo/api');
  });
});
