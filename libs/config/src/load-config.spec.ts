import { ConfigError, loadConfig } from './load-config';
import { GatewayConfigSchema, WorkerConfigSchema } from './app-configs';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://app@127.0.0.1:5432/avatar',
  SESSION_TOKEN_SECRET: 'x'.repeat(32),
};

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(GatewayConfigSchema, base);
    expect(config.GATEWAY_PORT).toBe(8000);
    expect(config.NODE_ENV).toBe('development');
    expect(config.ICE_SERVERS).toEqual([{ urls: 'stun:stun.l.google.com:19302' }]);
    expect(loadConfig(GatewayConfigSchema, { ...base, GATEWAY_PORT: '9100' }).GATEWAY_PORT).toBe(9100);
  });

  it('names every missing variable', () => {
    const error = (() => {
      try {
        loadConfig(GatewayConfigSchema, { NATS_URL: base.NATS_URL });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('REDIS_URL is required');
    expect(error.message).toContain('DATABASE_URL is required');
    expect(error.message).toContain('SESSION_TOKEN_SECRET is required');
    expect(error.message).not.toContain('NATS_URL');
  });

  it('names the variable whose value is bad', () => {
    expect(() => loadConfig(GatewayConfigSchema, { ...base, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a URL with scheme redis/);
    expect(() => loadConfig(WorkerConfigSchema, { ...base, WORKER_CONCURRENCY: '-1' })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => loadConfig(GatewayConfigSchema, { ...base, ICE_SERVERS: 'nope' })).toThrow(/ICE_SERVERS: must be a JSON array/);
    expect(() => loadConfig(GatewayConfigSchema, { ...base, SESSION_TOKEN_SECRET: 'short' })).toThrow(/SESSION_TOKEN_SECRET: must be at least 32/);
  });

  it("defaults the worker's probes-and-metrics port and the log format, and refuses bad values", () => {
    expect(loadConfig(WorkerConfigSchema, base)).toMatchObject({ WORKER_HTTP_HOST: '127.0.0.1', WORKER_HTTP_PORT: 8002 });
    expect(loadConfig(WorkerConfigSchema, base).LOG_FORMAT).toBeUndefined();
    expect(loadConfig(WorkerConfigSchema, { ...base, WORKER_HTTP_HOST: '0.0.0.0', WORKER_HTTP_PORT: '9102', LOG_FORMAT: 'json' })).toMatchObject({ WORKER_HTTP_HOST: '0.0.0.0', WORKER_HTTP_PORT: 9102, LOG_FORMAT: 'json' });
    expect(() => loadConfig(WorkerConfigSchema, { ...base, WORKER_HTTP_PORT: '70000' })).toThrow(/WORKER_HTTP_PORT/);
    expect(() => loadConfig(GatewayConfigSchema, { ...base, LOG_FORMAT: 'pretty' })).toThrow(/LOG_FORMAT/);
  });

  it('defaults the session lifecycle and refuses a heartbeat grace shorter than two reaper intervals', () => {
    expect(loadConfig(WorkerConfigSchema, base)).toMatchObject({
      SESSION_IDLE_TIMEOUT_SECONDS: 120,
      SESSION_MAX_DURATION_SECONDS: 3600,
      SESSION_REAPER_INTERVAL_MS: 5000,
      SESSION_HEARTBEAT_GRACE_MS: 15_000,
    });
    expect(() => loadConfig(WorkerConfigSchema, { ...base, SESSION_REAPER_INTERVAL_MS: '10000' })).toThrow(/SESSION_REAPER_INTERVAL_MS: must be at most half of SESSION_HEARTBEAT_GRACE_MS \(15000\)/);
  });
});
