// The Python SDK (sdks/python) against the real platform: its unittest suite (unit tests,
// then integration tests that create sessions, speak, chat, interrupt, reconnect, outlive
// their tokens and stop) run by Debian's Python with Debian's httpx, pydantic and
// websockets; and its generated models checked against the current OpenAPI document.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as infra from '../../scripts/infra';
import { openApiDocument } from '../../libs/contracts/src';
import { Platform, startPlatform } from '../support/platform';

const ROOT = path.resolve(__dirname, '../..');
const SDK = path.join(ROOT, 'sdks/python');
/** Every test of sdks/python/tests: a file the discovery missed would change the count. */
const EXPECTED_TESTS = 83;
/** Short session tokens: the SDK must refresh them while the tests run. */
const TOKEN_TTL_SECONDS = 5;

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], options: { env: NodeJS.ProcessEnv; input?: string; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(options.input ?? '');
  });
}

describe('Python SDK (sdks/python)', () => {
  let platform: Platform;
  let python: string;

  beforeAll(async () => {
    // npm test's first step installed Debian's Python with the SDK's modules (testTools).
    const found = (await infra.ensureBinaries({ testTools: true })).python;
    if (!found) throw new Error("Debian's Python with httpx, pydantic and websockets is missing");
    python = found;
    platform = await startPlatform({ env: { SESSION_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS) } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it('passes its unittest suite against the platform: every test run, none skipped', async () => {
    const result = await run(python, ['-m', 'unittest', 'discover', '-s', 'sdks/python/tests', '-v'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: 'C.UTF-8',
        PYTHONPATH: SDK,
        PYTHONDONTWRITEBYTECODE: '1',
        AVATAR_API_URL: `${platform.apiUrl}/v1`,
        AVATAR_WS_URL: `${platform.wsUrl}/ws`,
        AVATAR_API_KEY: platform.tenants.a.apiKey,
        AVATAR_SDK_REQUIRE_PLATFORM: '1',
      },
      timeoutMs: 540_000,
    });
    const summary = result.output.match(/^Ran (\d+) tests? in .*\n\n(.*)$/m);
    const ok = result.code === 0 && summary !== null && Number(summary[1]) === EXPECTED_TESTS && summary[2].trim() === 'OK';
    if (!ok) {
      const apps = platform.apps.map((app) => `--- ${app.name}\n${app.output().slice(-4000)}`).join('\n');
      throw new Error(
        `python unittest: exit ${result.code}, expected "Ran ${EXPECTED_TESTS} tests" then "OK" (no skips, no failures), got: ${summary?.[0] ?? 'no summary'}\n` +
          `${result.output}\n--- platform logs (tails)\n${apps}`,
      );
    }
    expect(summary?.[2].trim()).toBe('OK');
  }, 600_000);

  it('has models.py generated from the current OpenAPI document', async () => {
    const document = JSON.stringify(openApiDocument('test'));
    const fresh = await run(python, [path.join(SDK, 'scripts/generate_models.py'), '-', '--stdout'], { env: { PATH: process.env.PATH }, input: document, timeoutMs: 60_000 });
    if (fresh.code !== 0) throw new Error(`generate_models.py failed:\n${fresh.output}`);
    const committed = fs.readFileSync(path.join(SDK, 'avatar_sdk/models.py'), 'utf8');
    if (committed !== fresh.output) {
      throw new Error('sdks/python/avatar_sdk/models.py is stale for the current contracts: run `npm run build && node sdks/python/scripts/generate-models.js` and commit it');
    }
    // The node wrapper (dist's document) agrees.
    const check = await run(process.execPath, [path.join(SDK, 'scripts/generate-models.js'), '--check'], { env: { PATH: process.env.PATH }, timeoutMs: 60_000 });
    expect(check).toEqual({ code: 0, output: expect.stringContaining('is up to date') });
  }, 120_000);
});
