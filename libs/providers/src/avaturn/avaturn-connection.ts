import { estimateSpeechSeconds } from '../local/viseme-track';
import { ProviderConnection, ProviderMediaEvent, SpeechOutcome, SpeechRequest } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { AVATURN_PROVIDER, AvaturnApi } from './avaturn-api';
import { audioTaskRefused } from '../text-only';
import { SpeechClock, waitOutSpeech } from '../speech-clock';

export interface AvaturnSpeechTiming {
  wordsPerMinute: number;
  clock: SpeechClock;
}

/**
 * Speaking on one Avaturn session. The vendor answers a task as soon as it queued it and
 * plays it in the browser, so the platform waits as long as the text takes to say
 * (estimated): the next task starts after this one, as on every provider. Avaturn has
 * no interrupt call; an interrupt stops our wait, and the avatar may finish its sentence.
 */
export class AvaturnConnection implements ProviderConnection {
  private lostListener?: (error: Error) => void;
  private lost = false;
  private closed = false;

  constructor(
    private readonly api: AvaturnApi,
    private readonly apiKey: string,
    private readonly sessionId: string,
    private readonly timing: AvaturnSpeechTiming,
  ) {}

  async speak(request: SpeechRequest, _emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome> {
    // Avaturn's tasks are text for its own voice: there is no way to hand it audio.
    if (request.audio) throw audioTaskRefused(AVATURN_PROVIDER);
    if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
    try {
      await this.api.say(this.apiKey, this.sessionId, request.text, signal);
    } catch (err) {
      if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
      this.noticeLoss(err);
      throw err;
    }
    // The voice is the session's (its conversation engine); only the speed changes the estimate.
    const seconds = estimateSpeechSeconds(request.text, { wordsPerMinute: this.timing.wordsPerMinute, speed: request.voiceSettings?.speed });
    return waitOutSpeech(seconds, signal, this.timing.clock);
  }

  /** Avaturn ends sessions by its own timeouts (user_absent_timeout, max_duration); there is nothing to ping. */
  async keepAlive(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  onLost(listener: (error: Error) => void): void {
    this.lostListener = listener;
  }

  private noticeLoss(err: unknown): void {
    if (!(err instanceof ProviderError) || err.kind !== 'session_ended' || this.lost || this.closed) return;
    this.lost = true;
    this.lostListener?.(err);
  }
}
