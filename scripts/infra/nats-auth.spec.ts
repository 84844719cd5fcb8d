import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

// The builder reads the permission matrix from dist/ (it runs where only JavaScript
// does); here it gets the contracts' source, so the spec needs no build.
jest.mock('../../dist/libs/contracts/src/messaging/permissions.js', () => jest.requireActual('../../libs/contracts/src/messaging/permissions'), { virtual: true });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const auth = require('./nats-auth');

/** nats-server's own check of a configuration file (-t): exit 0 and "is valid", or its complaint. */
function serverCheck(config: string, env: NodeJS.ProcessEnv = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-auth-'));
  const file = path.join(dir, 'nats.conf');
  fs.writeFileSync(file, config);
  try {
    return execFileSync('nats-server', ['-t', '-c', file], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || 'valid';
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const hasServer = (() => {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('scripts/infra/nats-auth.js', () => {
  const credentials = auth.generateNatsCredentials();

  it('generates a distinct strong password for each role, users named like their roles', () => {
    expect(Object.keys(credentials)).toEqual(['gateway', 'worker', 'notifier', 'admin']);
    const passwords = Object.values(credentials).map((c) => (c as { password: string }).password);
    expect(new Set(passwords).size).toBe(4);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.generateNatsCredentials({ users: { gateway: 'avatar-gw' } }).gateway.user).toBe('avatar-gw');
  });

  it('renders each user with its permissions from the matrix, the inbox following the user name', () => {
    const renamed = { ...credentials, notifier: { user: 'edge', password: 'p' } };
    const { users } = auth.natsAuthorization(renamed);
    const edge = users.find((u: { user: string }) => u.user === 'edge');
    expect(edge.permissions.subscribe.allow).toContain('_INBOX.edge.>');
    expect(edge.permissions.subscribe.deny).toEqual(['evt.>']);
    expect(edge.permissions.publish.allow).toContain('cmd.*.*.interrupt');
    const admin = users.find((u: { user: string }) => u.user === 'admin');
    // No empty allow list is written (nats-server would read "no list" as "everything").
    expect(admin.permissions.subscribe).toEqual({ deny: ['>'] });
    expect(users.find((u: { user: string }) => u.user === 'worker').permissions.allow_responses).toBe(true);
  });

  it('refuses two users of the same name (a rotation needs a new user name)', () => {
    expect(() => auth.natsAuthorization({ gateway: [credentials.gateway, { ...credentials.gateway, password: 'x' }] })).toThrow(/named twice/);
  });

  (hasServer ? it : it.skip)('writes configuration nats-server accepts: passwords inline, or read from its environment, during a rotation too', () => {
    const inline = `listen: "127.0.0.1:4222"\n${auth.natsAuthorizationBlock(credentials)}`;
    expect(serverCheck(inline)).toMatch(/valid/);

    const rotating = { ...credentials, gateway: [credentials.gateway, { user: 'gateway-next', password: 'x' }] };
    const fromEnv = `listen: "127.0.0.1:4222"\n${auth.natsAuthorizationBlock(rotating, { passwords: 'env' })}`;
    expect(fromEnv).toContain('password: $NATS_GATEWAY_NEXT_PASSWORD');
    expect(fromEnv).not.toContain(credentials.worker.password);
    const env = { NATS_GATEWAY_PASSWORD: 'a', NATS_GATEWAY_NEXT_PASSWORD: 'b', NATS_WORKER_PASSWORD: 'c', NATS_NOTIFIER_PASSWORD: 'd', NATS_ADMIN_PASSWORD: 'e' };
    expect(serverCheck(fromEnv, env)).toMatch(/valid/);
    expect(serverCheck(fromEnv, { ...env, NATS_WORKER_PASSWORD: undefined })).toMatch(/NATS_WORKER_PASSWORD/);
  });

  it('gives an app its NATS_USER / NATS_PASSWORD, and a client its options with its inbox prefix', () => {
    expect(auth.natsEnvOf(credentials, 'worker')).toEqual({ NATS_USER: 'worker', NATS_PASSWORD: credentials.worker.password });
    expect(auth.natsEnvOf(null, 'worker')).toEqual({});
    expect(auth.natsClientOptions('nats://127.0.0.1:4232', credentials.notifier)).toEqual({ servers: '127.0.0.1:4232', user: 'notifier', pass: credentials.notifier.password, inboxPrefix: '_INBOX.notifier' });
    expect(auth.natsClientOptions('nats://127.0.0.1:4232')).toEqual({ servers: '127.0.0.1:4232' });
  });
});
