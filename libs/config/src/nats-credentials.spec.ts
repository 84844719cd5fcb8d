import { ConfigError, loadConfig } from './load-config';
import { AdminCliConfigSchema, GatewayConfigSchema, NotifierConfigSchema, WorkerConfigSchema } from './app-configs';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://app@127.0.0.1:5432/avatar',
  SESSION_TOKEN_SECRET: 'x'.repeat(32),
};

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
}

describe('NATS_USER / NATS_PASSWORD: each app its own NATS user', () => {
  const schemas = { gateway: GatewayConfigSchema, worker: WorkerConfigSchema, notifier: NotifierConfigSchema, admin: AdminCliConfigSchema };

  it.each(Object.entries(schemas))('%s: both, or neither (no authentication, or the user in NATS_URL)', (_app, schema) => {
    expect(loadConfig(schema, { ...base, NATS_USER: 'worker', NATS_PASSWORD: 'secret' })).toMatchObject({ NATS_USER: 'worker', NATS_PASSWORD: 'secret' });
    const none = loadConfig(schema, base) as { NATS_USER?: string; NATS_PASSWORD?: string };
    expect([none.NATS_USER, none.NATS_PASSWORD]).toEqual([undefined, undefined]);
    expect(problems(() => loadConfig(schema, { ...base, NATS_USER: 'worker' }))).toEqual(['NATS_PASSWORD is required (NATS_USER and NATS_PASSWORD go together: set both or neither)']);
    expect(problems(() => loadConfig(schema, { ...base, NATS_PASSWORD: 'secret' }))).toEqual(['NATS_USER is required (NATS_USER and NATS_PASSWORD go together: set both or neither)']);
  });

  it('refuses a user name that is not a subject token (it names the inbox prefix _INBOX.<user>), without echoing the password', () => {
    const found = problems(() => loadConfig(GatewayConfigSchema, { ...base, NATS_USER: 'gate.way', NATS_PASSWORD: 'hunter2' }));
    expect(found).toEqual([expect.stringMatching(/^NATS_USER: must be letters, digits, _ or -/)]);
    expect(found.join()).not.toContain('hunter2');
  });
});
