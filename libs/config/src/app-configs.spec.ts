import { ConfigError, loadConfig } from './load-config';
import { GatewayConfigSchema } from './app-configs';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://app@127.0.0.1:5432/avatar',
  SESSION_TOKEN_SECRET: 'x'.repeat(32),
};
const TENANT = '00000000-0000-4000-8000-00000000de00';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(GatewayConfigSchema, env);
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('GatewayConfigSchema: the browser demo (DEMO_TENANT_ID, DEMO_WS_URL)', () => {
  it('is off by default and points at the local notifier', () => {
    const config = loadConfig(GatewayConfigSchema, base);
    expect(config.DEMO_TENANT_ID).toBeUndefined();
    expect(config.DEMO_WS_URL).toBe('ws://localhost:8001/ws');
  });

  it('takes a tenant id (lower-cased, as the tenants table and session tokens spell it) and a ws/wss URL', () => {
    const config = loadConfig(GatewayConfigSchema, { ...base, DEMO_TENANT_ID: TENANT.toUpperCase(), DEMO_WS_URL: 'wss://demo.example.com/ws' });
    expect(config.DEMO_TENANT_ID).toBe(TENANT);
    expect(config.DEMO_WS_URL).toBe('wss://demo.example.com/ws');
  });

  it('names the variable whose value is bad', () => {
    expect(configError({ ...base, DEMO_TENANT_ID: 'dev' }).message).toMatch(/DEMO_TENANT_ID: must be a tenant id/);
    expect(configError({ ...base, DEMO_WS_URL: 'http://localhost:8001/ws' }).message).toMatch(/DEMO_WS_URL: must be a URL with scheme ws or wss/);
  });

  it('stops the gateway when the demo is on with NODE_ENV=production, naming DEMO_TENANT_ID', () => {
    const error = configError({ ...base, NODE_ENV: 'production', DEMO_TENANT_ID: TENANT });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual([expect.stringMatching(/^DEMO_TENANT_ID: must not be set with NODE_ENV=production/)]);
    // Production without the demo, and the demo outside production, are fine.
    expect(loadConfig(GatewayConfigSchema, { ...base, NODE_ENV: 'production' }).DEMO_TENANT_ID).toBeUndefined();
    expect(loadConfig(GatewayConfigSchema, { ...base, NODE_ENV: 'test', DEMO_TENANT_ID: TENANT }).DEMO_TENANT_ID).toBe(TENANT);
  });
});
