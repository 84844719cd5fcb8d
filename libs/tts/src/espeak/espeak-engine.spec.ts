import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError } from '@avatar/providers';
import { decodeWav } from '../pcm/wav';
import { rms } from '../pcm/pcm-test-signals';
import { EspeakEngine } from './espeak-engine';

// These specs run the real espeak-ng (apt-get install -y espeak-ng; scripts/infra/binaries.js installs it).
const ESPEAK = '/usr/bin/espeak-ng';
const TEXT = 'Hello there, this is the local speech engine.';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'espeak-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in executable (a shell script) for what real espeak-ng cannot be made to do on demand. */
function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** What espeak-ng itself writes for TEXT: the reference the engine's output is held to. */
function rawEspeakSeconds(text: string, wpm = 175): number {
  const out = spawnSync(ESPEAK, ['--stdout', '--stdin', '-b', '1', '-v', 'en-us', '-s', String(wpm)], { input: text });
  const wav = decodeWav(out.stdout);
  expect(wav.sampleRate).toBe(22_050);
  return wav.pcm.length / 2 / wav.sampleRate;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !isRunning(pid);
}

async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no pid in ${file}`);
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('EspeakEngine (real espeak-ng)', () => {
  const engine = new EspeakEngine({ binary: ESPEAK });

  it.each([8000, 16_000, 24_000, 48_000])('speaks at the requested %i Hz for as long as espeak-ng said', async (rate) => {
    const speech = await engine.synthesize({ text: TEXT, sampleRate: rate });
    expect(speech.sampleRate).toBe(rate);
    expect(speech.durationS).toBe(speech.pcm.length / 2 / rate);
    const reference = rawEspeakSeconds(TEXT);
    expect(reference).toBeGreaterThan(1);
    expect(Math.abs(speech.durationS - reference) / reference).toBeLessThan(0.1);
    expect(rms(speech.pcm)).toBeGreaterThan(300); // speech, not silence
  });

  it('speaks text that starts with "-" instead of reading it as options', async () => {
    const text = '--help -v xx --version';
    const speech = await engine.synthesize({ text, sampleRate: 16_000 });
    // Read as options this would print help (not a WAV) or fail; spoken it lasts like the words.
    const reference = rawEspeakSeconds(text);
    expect(speech.durationS).toBeGreaterThan(0.8);
    expect(Math.abs(speech.durationS - reference) / reference).toBeLessThan(0.1);
  });

  it('scales the speaking rate with voice speed', async () => {
    const normal = await engine.synthesize({ text: TEXT, sampleRate: 16_000 });
    const fast = await engine.synthesize({ text: TEXT, sampleRate: 16_000, voiceSettings: { speed: 2 } });
    expect(fast.durationS).toBeLessThan(normal.durationS * 0.7);
    expect(Math.abs(fast.durationS - rawEspeakSeconds(TEXT, 350)) / fast.durationS).toBeLessThan(0.1);
  });

  it('speaks another voice and non-ASCII text', async () => {
    const speech = await engine.synthesize({ text: 'Grüße aus München', voiceId: 'de', sampleRate: 24_000 });
    expect(speech.durationS).toBeGreaterThan(0.5);
  });

  it('refuses a voice espeak-ng does not have, not retryable', async () => {
    const err = await failure(engine.synthesize({ text: TEXT, voiceId: 'zz-nosuch', sampleRate: 16_000 }));
    expect(err).toMatchObject({ kind: 'rejected', provider: 'espeak-ng', retryable: false });
    expect(err.message).toContain('zz-nosuch');
  });
});

describe('EspeakEngine (process handling)', () => {
  it('refuses a malformed voice name without starting a process', async () => {
    // A binary that cannot start would fail as "unavailable": "rejected" proves none was started.
    const engine = new EspeakEngine({ binary: join(dir, 'missing') });
    for (const voiceId of ['--help', 'en us', 'en;rm', '-v', 'e']) {
      const err = await failure(engine.synthesize({ text: TEXT, voiceId, sampleRate: 16_000 }));
      expect(err).toMatchObject({ kind: 'rejected', retryable: false });
    }
    for (const sampleRate of [4000, 96_000, 16_000.5]) {
      expect(await failure(engine.synthesize({ text: TEXT, sampleRate }))).toMatchObject({ kind: 'rejected' });
    }
  });

  it('gives silence for text with nothing to say, without a process', async () => {
    const engine = new EspeakEngine({ binary: join(dir, 'missing') });
    expect(await engine.synthesize({ text: '  \n', sampleRate: 16_000 })).toEqual({ pcm: Buffer.alloc(0), sampleRate: 16_000, durationS: 0 });
  });

  it('names the package to install when espeak-ng is missing', async () => {
    const engine = new EspeakEngine({ binary: join(dir, 'no-such-espeak') });
    const err = await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }));
    expect(err).toMatchObject({ kind: 'unavailable', provider: 'espeak-ng', retryable: false });
    expect(err.message).toContain('apt-get install -y espeak-ng');
  });

  it('reports a crash with what espeak-ng said on stderr', async () => {
    const engine = new EspeakEngine({ binary: script('crash', 'echo "segfault in phoneme table" >&2; exit 3') });
    const err = await failure(engine.synthesize({ text: TEXT, sampleRate: 16_000 }));
    expect(err).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(err.message).toMatch(/exit 3.*segfault in phoneme table/);
  });

  it('kills the process when the caller aborts', async () => {
    const pidFile = join(dir, 'abort.pid');
    const engine = new EspeakEngine({ binary: script('hang-abort', `echo $$ > ${pidFile}; exec sleep 30`) });
    const abort = new AbortController();
    const speaking = engine.synthesize({ text: TEXT, sampleRate: 16_000 }, abort.signal);
    const pid = await pidFrom(pidFile);
    expect(isRunning(pid)).toBe(true);
    abort.abort(new Error('interrupted'));
    await expect(speaking).rejects.toThrow('interrupted');
    expect(await gone(pid)).toBe(true);
    expect(engine.load).toEqual({ running: 0, queued: 0 });
  });

  it('kills the process and fails as a timeout when it takes too long', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const engine = new EspeakEngine({ binary: script('hang-timeout', `echo $$ > ${pidFile}; exec sleep 30`), timeoutMs: 300 });
    const speaking = engine.synthesize({ text: TEXT, sampleRate: 16_000 });
    const pid = await pidFrom(pidFile);
    expect(await failure(speaking)).toMatchObject({ kind: 'timeout', retryable: true });
    expect(await gone(pid)).toBe(true);
  });

  it('runs at most maxConcurrent processes, the rest wait their turn', async () => {
    const log = join(dir, 'concurrency.log');
    // Each process notes its start and end (appends of a few bytes are atomic) and lives a while.
    const wrapper = script('counting', `echo + >> ${log}; sleep 0.3; ${ESPEAK} "$@"; rc=$?; echo - >> ${log}; exit $rc`);
    const engine = new EspeakEngine({ binary: wrapper, maxConcurrent: 2 });
    const all = Promise.all(Array.from({ length: 6 }, () => engine.synthesize({ text: 'one two', sampleRate: 8000 })));
    await new Promise((r) => setTimeout(r, 100));
    expect(engine.load).toEqual({ running: 2, queued: 4 });
    const results = await all;
    expect(results.every((r) => r.durationS > 0.2)).toBe(true);
    let running = 0;
    let peak = 0;
    for (const mark of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      running += mark === '+' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
    expect(engine.load).toEqual({ running: 0, queued: 0 });
  });

  it('lets a queued request be aborted before it ever starts a process', async () => {
    const pidFile = join(dir, 'queued.pid');
    const engine = new EspeakEngine({ binary: script('hang-queued', `echo $$ >> ${pidFile}; exec sleep 30`), maxConcurrent: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const running = engine.synthesize({ text: TEXT, sampleRate: 16_000 }, first.signal);
    const pid = await pidFrom(pidFile);
    const queued = engine.synthesize({ text: TEXT, sampleRate: 16_000 }, second.signal);
    second.abort(new Error('never mind'));
    await expect(queued).rejects.toThrow('never mind');
    first.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    expect(readFileSync(pidFile, 'utf8').trim().split('\n')).toEqual([String(pid)]);
    expect(await gone(pid)).toBe(true);
  });
});
