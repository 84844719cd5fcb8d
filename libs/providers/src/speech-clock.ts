/**
 * Waiting out a vendor's speech. The REST vendors (Avaturn, HeyGen) play speech in the
 * user's browser, so the platform sees no frames: a task "takes" as long as the vendor
 * says (HeyGen's duration_ms) or as long as the text takes to say (Avaturn). Waiting
 * that long keeps the platform's one-task-at-a-time order and its interrupt meaningful.
 */
export interface SpeechClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realSpeechClock: SpeechClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface WaitedSpeech {
  /** Seconds waited: the whole speech, or up to the interrupt. */
  spokenSeconds: number;
  interrupted: boolean;
}

/** Waits `seconds` of speech unless `signal` aborts first. */
export async function waitOutSpeech(seconds: number, signal: AbortSignal, clock: SpeechClock): Promise<WaitedSpeech> {
  const startedAt = clock.now();
  if (!signal.aborted) await clock.sleep(seconds * 1000, signal);
  if (signal.aborted) {
    const waited = Math.max(0, Math.min(seconds, (clock.now() - startedAt) / 1000));
    return { spokenSeconds: waited, interrupted: true };
  }
  return { spokenSeconds: seconds, interrupted: false };
}
