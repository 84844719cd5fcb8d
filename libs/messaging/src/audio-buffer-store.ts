import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SessionScope } from './event-publisher';

/**
 * A session's client audio between `audio_buffer_append` and `audio_buffer_commit`:
 * one Redis string per session (PCM s16le mono at AUDIO_BUFFER_SAMPLE_RATE), so every
 * socket of the session, on any notifier, fills the same buffer, and a reconnecting
 * client keeps what it had sent. The notifier appends and clears; the worker that
 * handles the commit takes it. Each step is one script: the bound is checked and the
 * bytes appended together; a take moves the buffer aside and a failed commit puts it
 * back in front of whatever arrived meanwhile, so no audio is lost or taken twice.
 */

const APPEND = `
local len = redis.call('STRLEN', KEYS[1])
if len + string.len(ARGV[1]) > tonumber(ARGV[2]) then return -1 - len end
len = redis.call('APPEND', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return len`;

const CLEAR = `
local len = redis.call('STRLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return len`;

/** Moves the buffer to the commit's own key (kept ARGV[1] seconds in case the taker dies). */
const TAKE = `
local audio = redis.call('GET', KEYS[1])
if not audio then return false end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], audio, 'EX', ARGV[1])
return audio`;

/** Puts taken audio back in front of the buffer (what was appended since stays after it). */
const RESTORE = `
local audio = redis.call('GET', KEYS[2])
if not audio then return 0 end
local rest = redis.call('GET', KEYS[1]) or ''
redis.call('SET', KEYS[1], audio .. rest, 'EX', ARGV[1])
redis.call('DEL', KEYS[2])
return 1`;

export type AppendResult = { ok: true; bytes: number } | { ok: false; bytes: number };

/** Audio taken for a commit: `done()` once its task is queued, `restore()` if it was refused. */
export interface TakenAudio {
  pcm: Buffer;
  done(): Promise<void>;
  restore(): Promise<void>;
}

export function audioBufferKey(scope: SessionScope): string {
  return `audio-buffer:${scope.tenantId}:${scope.sessionId}`;
}

export class AudioBufferStore {
  constructor(
    private readonly redis: Redis,
    /** How long a buffer (and a commit in flight) is kept after its last change. */
    private readonly ttlSeconds: number,
  ) {}

  /** Appends when the buffer stays within `maxBytes`; else refuses and keeps the buffer as it was. */
  async append(scope: SessionScope, pcm: Buffer, maxBytes: number): Promise<AppendResult> {
    const result = Number(await this.redis.eval(APPEND, 1, audioBufferKey(scope), pcm, maxBytes, this.ttlSeconds));
    return result >= 0 ? { ok: true, bytes: result } : { ok: false, bytes: -1 - result };
  }

  /** Drops the buffer; answers how many bytes it held. */
  async clear(scope: SessionScope): Promise<number> {
    return Number(await this.redis.eval(CLEAR, 1, audioBufferKey(scope)));
  }

  async size(scope: SessionScope): Promise<number> {
    return this.redis.strlen(audioBufferKey(scope));
  }

  /** Takes the whole buffer for a commit; null when it is empty. */
  async take(scope: SessionScope): Promise<TakenAudio | null> {
    const key = audioBufferKey(scope);
    const commitKey = `${key}:commit:${randomUUID()}`;
    const pcm = (await this.redis.callBuffer('EVAL', TAKE, 2, key, commitKey, this.ttlSeconds)) as Buffer | null;
    if (!pcm || pcm.length === 0) return null;
    return {
      pcm,
      done: async () => void (await this.redis.del(commitKey)),
      restore: async () => void (await this.redis.eval(RESTORE, 2, key, commitKey, this.ttlSeconds)),
    };
  }
}
