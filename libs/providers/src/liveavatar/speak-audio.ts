import { randomUUID } from 'node:crypto';
import type { SpeechOutcome } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { AudioChunking, audioChunks } from './audio-chunks';
import { LIVEAVATAR_PROVIDER } from './liveavatar-api';
import type { LiveAvatarSocket } from './liveavatar-socket';
import { CLIENT_EVENTS, LIVEAVATAR_SAMPLE_RATE, VENDOR_EVENTS, VendorMessage } from './liveavatar-wire';

export interface SpeakAudioOptions {
  chunking: AudioChunking;
  /**
   * How far ahead of its playback time a chunk may be sent. The vendor renders video
   * as audio arrives and plays in real time, so what we send early only sits in its
   * buffer: ~0.5 s of lead keeps that buffer from running dry over network jitter
   * (a dry buffer is a visible stall mid-sentence), while the audio we have handed
   * over stays small — an interrupt has little to discard, a dropped socket loses
   * little, and our own clock tells how far the avatar got.
   */
  sendAheadMs: number;
  /** Added to the audio's remaining duration when waiting for `agent.speak_ended`. */
  speechSlackMs: number;
}

type Ending = 'ended' | 'aborted' | 'vendor_interrupted' | 'lost';

/**
 * Plays one utterance of PCM s16le mono 24 kHz through the session socket: paced
 * `agent.speak` chunks, then `agent.speak_end`, then waits for the vendor's
 * `agent.speak_ended`. An abort sends `agent.interrupt` and stops at once; a lost
 * socket fails the speech with the socket's error.
 */
export async function speakAudio(socket: LiveAvatarSocket, pcm: Buffer, options: SpeakAudioOptions, signal: AbortSignal): Promise<SpeechOutcome> {
  const chunks = audioChunks(pcm, LIVEAVATAR_SAMPLE_RATE, options.chunking);
  // From the sample count, not a sum of chunk durations (which drifts in floating point).
  const totalS = Math.floor(pcm.length / 2) / LIVEAVATAR_SAMPLE_RATE;
  if (chunks.length === 0) return { spokenSeconds: 0, interrupted: false };
  if (signal.aborted) return { spokenSeconds: 0, interrupted: true };

  // Every terminal event (ended, abort, vendor interrupt, lost socket) wakes whatever waits.
  const wake = new AbortController();
  let ending: Ending | undefined;
  let lostError: ProviderError | undefined;
  const finish = (how: Ending) => {
    if (ending) return;
    ending = how;
    wake.abort();
  };

  const ours = new Set<string>();
  let taskId: string | undefined;
  let firstSentAt: number | undefined;
  let startedAt: number | undefined;
  const isOurs = (m: VendorMessage) => (!!m.event_id && ours.has(m.event_id)) || (!!taskId && m.task?.id === taskId);

  const offMessage = socket.onMessage((m) => {
    if (m.type === VENDOR_EVENTS.SPEAK_STARTED && firstSentAt !== undefined && startedAt === undefined) {
      // The first start after our first chunk is ours: earlier utterances were ended or interrupted.
      startedAt = Date.now();
      taskId = m.task?.id;
    } else if (m.type === VENDOR_EVENTS.SPEAK_ENDED && isOurs(m)) finish('ended');
    else if (m.type === VENDOR_EVENTS.SPEAK_INTERRUPTED && isOurs(m)) finish('vendor_interrupted');
  });
  const offLost = socket.onLost((err) => {
    lostError = err;
    finish('lost');
  });
  const onAbort = () => finish('aborted');
  signal.addEventListener('abort', onAbort, { once: true });

  const played = () => {
    const from = startedAt ?? firstSentAt;
    return from === undefined ? 0 : Math.min(totalS, Math.max(0, (Date.now() - from) / 1000));
  };

  try {
    for (const chunk of chunks) {
      if (firstSentAt !== undefined) await sleep(firstSentAt + chunk.offsetS * 1000 - options.sendAheadMs - Date.now(), wake.signal);
      if (ending) break;
      const eventId = randomUUID();
      ours.add(eventId);
      await socket.send(CLIENT_EVENTS.SPEAK, { audio: chunk.pcm.toString('base64') }, eventId);
      firstSentAt ??= Date.now();
    }
    if (!ending) await socket.send(CLIENT_EVENTS.SPEAK_END);
    if (!ending) {
      const remainingMs = Math.max(0, (startedAt ?? firstSentAt!) + totalS * 1000 - Date.now());
      await sleep(remainingMs + options.speechSlackMs, wake.signal);
    }

    switch (ending) {
      case 'ended':
        return { spokenSeconds: totalS, interrupted: false };
      case 'lost':
        throw lostError!;
      case 'vendor_interrupted':
        return { spokenSeconds: round(played()), interrupted: true };
      case 'aborted':
        if (firstSentAt !== undefined) await socket.send(CLIENT_EVENTS.INTERRUPT).catch(() => undefined);
        return { spokenSeconds: round(played()), interrupted: true };
      default:
        await socket.send(CLIENT_EVENTS.INTERRUPT).catch(() => undefined);
        throw new ProviderError(`${LIVEAVATAR_PROVIDER}: the avatar did not finish ${totalS.toFixed(2)} s of speech within ${options.speechSlackMs} ms of its end`, {
          kind: 'timeout',
          provider: LIVEAVATAR_PROVIDER,
        });
    }
  } catch (err) {
    // A send that failed because the socket went away reports the socket's own error.
    throw lostError ?? err;
  } finally {
    offMessage();
    offLost();
    signal.removeEventListener('abort', onAbort);
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
