import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ProviderError } from '@avatar/providers';
import { SynthesisRequest, SynthesizedSpeech, TtsEngine } from '../tts-engine';
import { assertSampleRate } from '../sample-rate';
import { decodeWav, WavFormatError } from '../pcm/wav';
import { resamplePcm } from '../pcm/resample';
import { pcmDuration } from '../pcm/pcm-chunks';
import { Semaphore } from './semaphore';

export const ESPEAK_PROVIDER = 'espeak-ng';

export interface EspeakEngineOptions {
  /** The espeak-ng executable; default: `espeak-ng` on PATH, else /usr/bin/espeak-ng. */
  binary?: string;
  /** Voice when the request names none (an espeak-ng voice: `en-us`, `de`, `en-us+f3`). */
  defaultVoice?: string;
  /** Speaking rate at voice speed 1 (espeak-ng's own default is 175). */
  wordsPerMinute?: number;
  /** espeak-ng processes at once; more requests wait their turn (default 4). */
  maxConcurrent?: number;
  /** One synthesis is killed after this long (default 30 s). */
  timeoutMs?: number;
}

/** espeak-ng voice names: a language code, optional region/dialect parts, optional `+variant`. */
const VOICE_PATTERN = /^[a-z]{2,3}(-[a-z0-9]+)*(\+[a-z0-9]+)?$/i;
/** espeak-ng clamps the rate to this range itself; we clamp first so what we ask is what we get. */
const MIN_WPM = 80;
const MAX_WPM = 450;
const INSTALL_HINT = 'apt-get install -y espeak-ng';
/** Enough of stderr to explain a failure; the rest is dropped. */
const MAX_STDERR = 2000;

/**
 * The local speech engine: espeak-ng in a child process per request. The text goes
 * in on stdin (`--stdin`), never on the command line, so nothing in it can be read
 * as an option; the WAV comes out on stdout (22050 Hz) and is resampled to the rate
 * the caller asked for. A semaphore bounds the processes so a burst of tasks queues
 * instead of forking hundreds; an abort or the timeout kills the child.
 */
export class EspeakEngine implements TtsEngine {
  readonly name = ESPEAK_PROVIDER;
  readonly binary: string;
  private readonly slots: Semaphore;
  private readonly defaultVoice: string;
  private readonly wordsPerMinute: number;
  private readonly timeoutMs: number;

  constructor(options: EspeakEngineOptions = {}) {
    this.binary = options.binary ?? findOnPath('espeak-ng') ?? '/usr/bin/espeak-ng';
    this.slots = new Semaphore(options.maxConcurrent ?? 4);
    this.defaultVoice = options.defaultVoice ?? 'en-us';
    this.wordsPerMinute = options.wordsPerMinute ?? 175;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Processes running now and requests waiting for one (for metrics and tests). */
  get load(): { running: number; queued: number } {
    return { running: this.slots.active, queued: this.slots.queued };
  }

  async synthesize(request: SynthesisRequest, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    const voice = request.voiceId ?? this.defaultVoice;
    if (!VOICE_PATTERN.test(voice)) throw this.error(`"${voice.slice(0, 64)}" is not an espeak-ng voice name`, 'rejected');
    assertSampleRate(request.sampleRate, ESPEAK_PROVIDER);
    if (request.text.trim() === '') return { pcm: Buffer.alloc(0), sampleRate: request.sampleRate, durationS: 0 };
    const speed = request.voiceSettings?.speed ?? 1;
    const wpm = Math.round(Math.min(MAX_WPM, Math.max(MIN_WPM, this.wordsPerMinute * speed)));

    const release = await this.slots.acquire(signal);
    let wav: Buffer;
    try {
      wav = await this.run(['--stdout', '--stdin', '-b', '1', '-v', voice, '-s', String(wpm)], request.text, signal);
    } finally {
      release();
    }
    let decoded;
    try {
      decoded = decodeWav(wav);
    } catch (err) {
      if (err instanceof WavFormatError) throw this.error(`espeak-ng wrote no readable WAV: ${err.message}`, 'unavailable', false);
      throw err;
    }
    const pcm = resamplePcm(decoded.pcm, decoded.sampleRate, request.sampleRate);
    return { pcm, sampleRate: request.sampleRate, durationS: pcmDuration(pcm, request.sampleRate) };
  }

  private run(args: string[], text: string, signal?: AbortSignal): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      let stderr = '';
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const kill = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      const onAbort = () => {
        kill();
        finish(() => reject(signal!.reason));
      };
      const timer = setTimeout(() => {
        kill();
        finish(() => reject(this.error(`espeak-ng took longer than ${this.timeoutMs} ms`, 'timeout')));
      }, this.timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        kill();
        finish(() =>
          reject(
            err.code === 'ENOENT' || err.code === 'EACCES'
              ? this.error(`espeak-ng is not installed (no executable at ${this.binary}); install it with: ${INSTALL_HINT}`, 'unavailable', false)
              : this.error(`espeak-ng could not be started: ${err.message}`, 'unavailable'),
          ),
        );
      });
      child.on('close', (code, killedBy) => {
        finish(() => {
          if (code === 0) return resolve(Buffer.concat(stdout));
          const said = stderr.trim().slice(0, 300);
          if (/voice does not exist/i.test(said)) return reject(this.error(`unknown espeak-ng voice: ${args[args.indexOf('-v') + 1]}`, 'rejected'));
          reject(this.error(`espeak-ng failed (${killedBy ?? `exit ${code}`})${said ? `: ${said}` : ''}`, 'unavailable'));
        });
      });
      // A child that dies before reading all of stdin makes the write fail with EPIPE: its exit says why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(text, 'utf8');
    });
  }

  private error(message: string, kind: 'rejected' | 'unavailable' | 'timeout', retryable?: boolean): ProviderError {
    return new ProviderError(`${ESPEAK_PROVIDER}: ${message}`, { kind, provider: ESPEAK_PROVIDER, retryable });
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
