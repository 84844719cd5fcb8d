// What `npm pack` publishes of @avatar/sdk works where users put it: the declarations
// (types from the contracts lib) resolve for a TypeScript consumer, the ESM and CJS
// Node builds load, and the browser build imports nothing of Node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = path.join(ROOT, 'packages/sdk');

// A consumer that uses the package by name. Each @ts-expect-error fails the compile if the
// line it guards type-checks: types that degraded to `any` would make them all "unused".
const CONSUMER = `
import { AvatarClient, AvatarApiError, SessionConnection, type CreateSessionRequest, type FrameEvent, type StopSessionResponse } from '@avatar/sdk';

async function main(): Promise<number> {
  const client = new AvatarClient({ apiUrl: 'http://localhost:8000/v1', wsUrl: 'ws://localhost:8001/ws', apiKey: 'ak' });
  const request: CreateSessionRequest = { quality: 'high', provider: 'local' };
  // @ts-expect-error: not a quality
  const wrong: CreateSessionRequest = { quality: 'ultra' };
  const session = await client.createSession(request);
  session.on('frame', (frame: FrameEvent & { id: number }) => frame.viseme.toUpperCase());
  // @ts-expect-error: frames have no 'text'
  session.on('frame', (frame) => frame.text);
  // @ts-expect-error: not an event of the protocol
  session.on('framez', () => undefined);
  const stopped: StopSessionResponse = await session.stop();
  // @ts-expect-error: billed_seconds is a number
  const billed: string = stopped.billed_seconds;
  const text: string = await session.chat('hi');
  new SessionConnection({ wsUrl: 'ws://x/ws', sessionId: 's', token: 't' }).interrupt();
  void wrong; void billed; void text; void AvatarApiError;
  return stopped.duration;
}
void main;
`;

describe('@avatar/sdk as published', () => {
  let consumerDir: string;

  beforeAll(() => {
    // The published declarations (dist/types), as `npm pack` builds them.
    execFileSync(process.execPath, [path.join(PACKAGE, 'build.js'), '--types'], { cwd: PACKAGE, stdio: 'pipe' });
    consumerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-consumer-'));
    fs.mkdirSync(path.join(consumerDir, 'node_modules/@avatar'), { recursive: true });
    fs.symlinkSync(PACKAGE, path.join(consumerDir, 'node_modules/@avatar/sdk'));
    fs.writeFileSync(path.join(consumerDir, 'consumer.ts'), CONSUMER);
    fs.writeFileSync(
      path.join(consumerDir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['consumer.ts'] }),
    );
  }, 120_000);
  afterAll(() => fs.rmSync(consumerDir, { recursive: true, force: true }));

  it('gives a TypeScript consumer the contract types: right uses compile, wrong ones do not', () => {
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', consumerDir], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('loads in Node 20 as CommonJS and as an ES module', () => {
    for (const [flag, code] of [
      ['--input-type=commonjs', "const s = require('@avatar/sdk'); console.log(typeof s.AvatarClient, typeof s.SessionConnection)"],
      ['--input-type=module', "import { AvatarClient, SessionConnection } from '@avatar/sdk'; console.log(typeof AvatarClient, typeof SessionConnection)"],
    ]) {
      const out = execFileSync(process.execPath, [flag, '-e', code], { cwd: consumerDir, encoding: 'utf8' });
      expect(out.trim()).toBe('function function');
    }
  });

  it('builds a browser bundle that imports nothing (no Node built-ins, no ws)', () => {
    const bundle = fs.readFileSync(path.join(PACKAGE, 'dist/browser/avatar-sdk.mjs'), 'utf8');
    expect(bundle).not.toMatch(/\brequire\(|from\s*["'](node:|ws["'])|import\(["']/);
    expect(bundle).toMatch(/export\s*\{/);
  });
});
