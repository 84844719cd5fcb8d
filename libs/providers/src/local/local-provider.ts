import { randomUUID } from 'node:crypto';
import {
  AvatarProvider,
  ProviderConnection,
  ProviderMediaEvent,
  ProviderSessionRef,
  ProviderSessionSpec,
  SpeechOutcome,
  SpeechRequest,
  StartedProviderSession,
} from '../avatar-provider';
import { framesOf, trackDuration, visemeTrack } from './viseme-track';
import { FRAME_MIME_TYPE, mouthFrame } from './mouth-frames';

export interface LocalProviderOptions {
  wordsPerMinute: number;
  framesPerSecond: number;
  /** Injected so tests can run the clock. */
  clock?: { now(): number; sleep(ms: number, signal: AbortSignal): Promise<void> };
}

export const LOCAL_PROVIDER = 'local';

const realClock = {
  now: () => Date.now(),
  sleep: (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/**
 * The built-in provider: no vendor, no account. It speaks by playing the viseme
 * track of the text as frames in real time, so a task takes as long as its speech.
 */
export class LocalProvider implements AvatarProvider {
  readonly name = LOCAL_PROVIDER;
  private readonly clock;

  constructor(private readonly options: LocalProviderOptions) {
    this.clock = options.clock ?? realClock;
  }

  async start(_spec: ProviderSessionSpec): Promise<StartedProviderSession> {
    // Media goes over the platform's WebSocket; there is no WebRTC answer to give.
    return { providerSessionId: `local-${randomUUID()}` };
  }

  async connect(_ref: ProviderSessionRef): Promise<ProviderConnection> {
    return new LocalConnection(this.options, this.clock);
  }

  async stop(_ref: ProviderSessionRef, _reason: string): Promise<void> {}
}

class LocalConnection implements ProviderConnection {
  private nextFrameId = 1;

  constructor(
    private readonly options: LocalProviderOptions,
    private readonly clock: NonNullable<LocalProviderOptions['clock']>,
  ) {}

  async speak(request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome> {
    const fps = this.options.framesPerSecond;
    const track = visemeTrack(request.text, { wordsPerMinute: this.options.wordsPerMinute, speed: request.voiceSettings?.speed });
    const frames = framesOf(track, fps);
    const startedAt = this.clock.now();
    for (let i = 0; i < frames.length; i++) {
      // Frames are due at fixed instants from the start, so a slow emit does not drift the speech.
      await this.clock.sleep(startedAt + (i * 1000) / fps - this.clock.now(), signal);
      if (signal.aborted) return { spokenSeconds: i / fps, interrupted: true };
      await emit({
        type: 'frame',
        task_id: request.taskId,
        frame_id: this.nextFrameId++,
        timestamp: this.clock.now() / 1000,
        viseme: frames[i],
        data: mouthFrame(frames[i]),
        mime_type: FRAME_MIME_TYPE,
      });
    }
    await this.clock.sleep(startedAt + trackDuration(track) * 1000 - this.clock.now(), signal);
    if (signal.aborted) return { spokenSeconds: frames.length / fps, interrupted: true };
    return { spokenSeconds: trackDuration(track), interrupted: false };
  }

  async keepAlive(): Promise<void> {}

  async close(): Promise<void> {}
}
