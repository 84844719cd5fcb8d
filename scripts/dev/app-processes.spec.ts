// The dev launcher's supervision, on real processes: scripts/dev/testing/fake-launcher.js
// runs the launcher's own app-processes.js and stop-signals.js around a fake app.
import fs from 'node:fs';
import path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { DEFAULT_BACKOFF, nextRestartDelay } from './backoff';

const FAKE_LAUNCHER = path.join(__dirname, 'testing', 'fake-launcher.js');

class Launcher {
  output = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [FAKE_LAUNCHER], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk) => (this.output += chunk));
    this.child.stderr!.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Pids of the fake apps started so far, per app name, in start order. */
  pids(name: string): number[] {
    return [...this.output.matchAll(new RegExp(`^\\[${name}\\] fake app up, pid (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
  }

  async nthPid(name: string, n: number): Promise<number> {
    await this.waitFor(new RegExp(`(?:\\[${name}\\] fake app up, pid \\d+[^]*){${n}}`));
    return this.pids(name)[n - 1];
  }
}

// A zombie still answers kill(pid, 0): look at the process state too.
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[]): Promise<number[]> {
  const deadline = Date.now() + 5_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return pids.filter(isAlive);
}

describe('dev launcher supervision', () => {
  const launchers: Launcher[] = [];
  afterEach(() => {
    for (const launcher of launchers.splice(0)) {
      if (launcher.child.exitCode === null) launcher.child.kill('SIGKILL'); // its watchdog stops the apps
    }
  });

  it('restarts an app killed with -9 or crashing with a code, logging how it ended and a doubling delay, then Ctrl-C stops it and exits 0', async () => {
    const launcher = new Launcher({ FAKE_BACKOFF_MS: '200' });
    launchers.push(launcher);

    const first = await launcher.nthPid('fake1', 1);
    process.kill(first, 'SIGKILL');
    await launcher.waitFor(/\[start\] fake1 exited unexpectedly \(signal SIGKILL\) after [\d.]+ s: restart #1 in 0\.2 s/);
    const second = await launcher.nthPid('fake1', 2);
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);

    process.kill(second, 'SIGKILL');
    await launcher.waitFor(/restart #2 in 0\.4 s/);
    const third = await launcher.nthPid('fake1', 3);

    process.kill(third, 'SIGUSR1');
    await launcher.waitFor(/fake1 exited unexpectedly \(code 3\) after [\d.]+ s: restart #3 in 0\.8 s/);
    const fourth = await launcher.nthPid('fake1', 4);
    expect(isAlive(fourth)).toBe(true);

    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toBe(0);
    expect(launcher.output).toMatch(/fake app \d+ stopping/);
    expect(await waitUntilGone(launcher.pids('fake1'))).toEqual([]);
  });

  it('Ctrl-C while a restart waits: the restart never happens, the other apps stop gracefully, exit 0, no process left', async () => {
    // fake2 takes 2 s to stop, longer than the 1 s restart delay of fake1: a restart
    // that shutdown did not cancel would fire while the launcher is still stopping.
    const launcher = new Launcher({ FAKE_APPS: '2', FAKE_BACKOFF_MS: '1000', FAKE_STOP_DELAY_MS: '2000' });
    launchers.push(launcher);
    const [crashing, other] = await Promise.all([launcher.nthPid('fake1', 1), launcher.nthPid('fake2', 1)]);

    process.kill(crashing, 'SIGKILL');
    await launcher.waitFor(/fake1 exited unexpectedly \(signal SIGKILL\) after [\d.]+ s: restart #1 in 1 s/);
    launcher.child.kill('SIGINT');

    expect(await launcher.exited).toBe(0);
    expect(launcher.output).toMatch(new RegExp(`fake app ${other} stopping`));
    expect(launcher.output).not.toMatch(/restarting fake1/);
    expect(launcher.pids('fake1')).toEqual([crashing]);
    expect(await waitUntilGone([crashing, other])).toEqual([]);
  });
});

describe('restart delay', () => {
  const policy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

  it('starts at the initial delay and doubles while the app keeps crashing soon after start', () => {
    const delays: number[] = [];
    let delay = 0;
    for (let i = 0; i < 8; i++) delays.push((delay = nextRestartDelay(delay, 1_000, policy)));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('goes back to the initial delay once the app stayed up for the reset time', () => {
    expect(nextRestartDelay(16_000, 59_999, policy)).toBe(30_000);
    expect(nextRestartDelay(16_000, 60_000, policy)).toBe(500);
  });

  it('defaults to 0.5 s doubling to 30 s, reset after 60 s up', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 });
    expect(nextRestartDelay(0, 0)).toBe(500);
  });
});
