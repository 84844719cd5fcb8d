import type { ProviderMediaEvent, SpeechOutcome } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { pcmSeconds, splitPcm, wavOf } from './pcm-audio';
import { ANIMATION_MIME_TYPE } from './spatialwalk-wire';

export interface UtteranceOptions {
  provider: string;
  taskId: string;
  /** The vendor's request id for this utterance. */
  reqId: string;
  /** The synthesized speech (PCM s16le mono). */
  pcm: Buffer;
  sampleRate: number;
  /** Length of each audio event. */
  audioEventSeconds: number;
  /**
   * Animation responses per second of speech: how a frame is placed on the audio's
   * timeline (the vendor's messages carry no timestamps the public schema names).
   */
  animationFps: number;
  /** Longest quiet between the audio going out and the animation's end: then the vendor is stuck. */
  stallTimeoutMs: number;
  emit: (event: ProviderMediaEvent) => Promise<void>;
  nextFrameId: () => number;
  now: () => number;
}

/**
 * The way back of one utterance: the vendor's animation responses become frame
 * events, in order, and the speech's audio goes out as audio events just ahead of the
 * frames it belongs to, so a client can play one with the other. Settles once:
 * completed at the end animation, interrupted, or failed.
 */
export class Utterance {
  readonly outcome: Promise<SpeechOutcome>;
  readonly durationS: number;
  private readonly audio: Buffer[];
  private readonly audioEventSamples: number;
  private resolveOutcome!: (outcome: SpeechOutcome) => void;
  private rejectOutcome!: (error: Error) => void;
  private done = false;
  private ended = false;
  private queued = 0;
  private shown = 0;
  private nextAudio = 0;
  private chain: Promise<void> = Promise.resolve();
  private stallTimer?: NodeJS.Timeout;

  constructor(private readonly options: UtteranceOptions) {
    this.outcome = new Promise((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    this.durationS = pcmSeconds(options.pcm.length, options.sampleRate);
    this.audioEventSamples = Math.max(1, Math.round(options.sampleRate * options.audioEventSeconds));
    this.audio = splitPcm(options.pcm, this.audioEventSamples * 2);
    this.armStallTimer();
  }

  get reqId(): string {
    return this.options.reqId;
  }

  get settled(): boolean {
    return this.done;
  }

  /** One SERVER_RESPONSE_ANIMATION for this utterance, as received. */
  animation(raw: Buffer, end: boolean): void {
    if (this.done || this.ended) return;
    this.ended = end;
    const index = this.queued++;
    // After the end the vendor owes nothing more; until then each response restarts the watch.
    if (end) clearTimeout(this.stallTimer);
    else this.armStallTimer();
    this.enqueue(async () => {
      await this.emitAudioBefore(index);
      // Handed over counts as shown: an interrupt raised while it is published includes it.
      this.shown++;
      await this.options.emit({
        type: 'frame',
        task_id: this.options.taskId,
        frame_id: this.options.nextFrameId(),
        timestamp: this.options.now() / 1000,
        // The animation is the vendor's own format: it names no mouth shape.
        viseme: '',
        data: raw.toString('base64'),
        mime_type: ANIMATION_MIME_TYPE,
      });
      if (!end) return;
      await this.emitAudioBefore(Infinity);
      this.settle({ spokenSeconds: this.durationS, interrupted: false });
    });
  }

  /** Stops here: what was shown counts as spoken. */
  interrupt(): void {
    this.settle({ spokenSeconds: Math.min(this.durationS, this.shown / this.options.animationFps), interrupted: true });
  }

  fail(error: Error): void {
    this.settle(undefined, error);
  }

  /** Audio events whose audio starts no later than frame `index` (all of them for Infinity). */
  private async emitAudioBefore(index: number): Promise<void> {
    const { sampleRate, animationFps } = this.options;
    // Chunk k starts at k·samples; frame i at i·rate/fps: compared in whole numbers.
    while (this.nextAudio < this.audio.length && (index === Infinity || this.nextAudio * this.audioEventSamples * animationFps <= index * sampleRate)) {
      if (this.done) return;
      const pcm = this.audio[this.nextAudio++];
      await this.options.emit({
        type: 'audio',
        task_id: this.options.taskId,
        data: wavOf(pcm, sampleRate).toString('base64'),
        duration: pcmSeconds(pcm.length, sampleRate),
        sample_rate: sampleRate,
      });
    }
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.done) return;
      try {
        await work();
      } catch (err) {
        this.fail(err as Error);
      }
    });
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      const { provider, stallTimeoutMs, reqId } = this.options;
      this.fail(new ProviderError(`${provider}: no animation for request ${reqId} in ${stallTimeoutMs} ms`, { kind: 'timeout', provider }));
    }, this.options.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private settle(outcome?: SpeechOutcome, error?: Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.stallTimer);
    if (error) this.rejectOutcome(error);
    else this.resolveOutcome(outcome!);
  }
}
