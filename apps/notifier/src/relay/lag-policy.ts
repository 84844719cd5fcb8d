import { EVENT_TYPES, isMediaEventType } from '@avatar/contracts';
import type { SocketBufferLimits } from '../notifier-config';

/**
 * - send: queue it on the socket.
 * - drop: a frame or audio chunk for a lagging socket: not sent (counted).
 * - cut-off: the socket has more unsent than it may: close it (1013).
 */
export type LagVerdict = 'send' | 'drop' | 'cut-off';

/** What one lag episode cost the client. */
export interface DroppedMedia {
  frames: number;
  audio: number;
}

/**
 * Once a socket lags, media flows again only when its unsent bytes are down to this share
 * of WS_MEDIA_DROP_BYTES. Without the margin a client catching up hovers at the threshold:
 * one frame goes out, takes it over again, the next ones are dropped — choppy video and a
 * notice every few frames (the bench saw two per catch-up).
 */
export const MEDIA_RESUME_SHARE = 0.5;

/**
 * What one socket gets while its client reads too slowly (ADR 0004), judged from its
 * unsent bytes (`ws` bufferedAmount) as each message is about to be queued, so no timer:
 * over WS_MEDIA_DROP_BYTES frames and audio are dropped — they are only useful live, and
 * a lagging client would show them late anyway — while lifecycle events and the server's
 * own messages are queued; over WS_MAX_BUFFERED_BYTES the socket is cut off, so memory
 * stays bounded even for a client that stops reading (it resumes with last_event_id).
 * A lag episode runs from its first dropped message until a message is queued with the
 * socket drained to MEDIA_RESUME_SHARE of the drop threshold: then media flows again and
 * the client is told once what it missed.
 */
export class LagPolicy {
  private frames = 0;
  private audio = 0;
  private readonly resumeBytes: number;

  constructor(private readonly limits: SocketBufferLimits) {
    this.resumeBytes = Math.floor(limits.WS_MEDIA_DROP_BYTES * MEDIA_RESUME_SHARE);
  }

  /** Whether a lag episode is running (media dropped, not told yet). */
  get lagging(): boolean {
    return this.frames + this.audio > 0;
  }

  /** The verdict on a message of `type` while `unsent` bytes wait in the socket. */
  judge(type: string, unsent: number): LagVerdict {
    if (unsent > this.limits.WS_MAX_BUFFERED_BYTES) return 'cut-off';
    if (isMediaEventType(type) && unsent > (this.lagging ? this.resumeBytes : this.limits.WS_MEDIA_DROP_BYTES)) {
      if (type === EVENT_TYPES.FRAME) this.frames++;
      else this.audio++;
      return 'drop';
    }
    return 'send';
  }

  /**
   * After a message was queued with `unsent` bytes waiting before it: the episode's
   * counts if that ends one (the socket drained to the resume level: media flows again),
   * else undefined. Once per episode: the counts start again from zero.
   */
  endEpisode(unsent: number): DroppedMedia | undefined {
    if (!this.lagging || unsent > this.resumeBytes) return undefined;
    const dropped = { frames: this.frames, audio: this.audio };
    this.frames = 0;
    this.audio = 0;
    return dropped;
  }

  /** Media dropped in the current episode (not told yet). */
  get pending(): DroppedMedia {
    return { frames: this.frames, audio: this.audio };
  }
}

/** The text of the MEDIA_DROPPED notice. */
export function mediaDroppedMessage(dropped: DroppedMedia): string {
  return `${dropped.frames} frames and ${dropped.audio} audio chunks dropped: the client reads too slowly`;
}
