import { estimateSpeechSeconds } from '../local/viseme-track';
import { ProviderConnection, ProviderMediaEvent, SpeechOutcome, SpeechRequest } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { SpeechClock, waitOutSpeech } from '../speech-clock';
import { HEYGEN_PROVIDER, HeygenApi } from './heygen-api';
import { audioTaskRefused } from '../text-only';

export interface HeygenSpeechTiming {
  /** For a task HeyGen answers without duration_ms. */
  wordsPerMinute: number;
  clock: SpeechClock;
}

/**
 * Speaking on one HeyGen session: a `repeat` task, then a wait of the duration HeyGen
 * gives for it (the avatar plays in the user's LiveKit room, not through the platform).
 * An interrupt stops the wait and tells HeyGen to stop talking (`streaming.interrupt`).
 */
export class HeygenConnection implements ProviderConnection {
  private lostListener?: (error: Error) => void;
  private lost = false;
  private closed = false;

  constructor(
    private readonly api: HeygenApi,
    private readonly apiKey: string,
    private readonly sessionId: string,
    private readonly timing: HeygenSpeechTiming,
  ) {}

  async speak(request: SpeechRequest, _emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome> {
    // `streaming.task` takes text in the session's voice: there is no way to hand HeyGen audio.
    if (request.audio) throw audioTaskRefused(HEYGEN_PROVIDER);
    if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
    let durationMs: number | undefined;
    try {
      // The voice is the session's (streaming.new); a task cannot change it.
      ({ duration_ms: durationMs } = await this.api.task(this.apiKey, this.sessionId, request.text, signal));
    } catch (err) {
      if (signal.aborted) {
        // HeyGen may have taken the task before the abort reached it.
        await this.interrupt();
        return { spokenSeconds: 0, interrupted: true };
      }
      this.noticeLoss(err);
      throw err;
    }
    const seconds =
      typeof durationMs === 'number' && durationMs >= 0
        ? durationMs / 1000
        : estimateSpeechSeconds(request.text, { wordsPerMinute: this.timing.wordsPerMinute, speed: request.voiceSettings?.speed });
    const outcome = await waitOutSpeech(seconds, signal, this.timing.clock);
    if (outcome.interrupted) await this.interrupt();
    return outcome;
  }

  /** Puts the avatar into (or out of) HeyGen's listening state while the user talks. */
  async setListening(listening: boolean): Promise<void> {
    try {
      await this.api.setListening(this.apiKey, this.sessionId, listening);
    } catch (err) {
      this.noticeLoss(err);
      throw err;
    }
  }

  async keepAlive(): Promise<void> {
    try {
      await this.api.keepAlive(this.apiKey, this.sessionId);
    } catch (err) {
      this.noticeLoss(err);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  onLost(listener: (error: Error) => void): void {
    this.lostListener = listener;
  }

  /** Best effort: the platform's interrupt holds either way (the task is over for us). */
  private async interrupt(): Promise<void> {
    try {
      await this.api.interrupt(this.apiKey, this.sessionId);
    } catch (err) {
      this.noticeLoss(err);
    }
  }

  private noticeLoss(err: unknown): void {
    if (!(err instanceof ProviderError) || err.kind !== 'session_ended' || this.lost || this.closed) return;
    this.lost = true;
    this.lostListener?.(err);
  }
}
