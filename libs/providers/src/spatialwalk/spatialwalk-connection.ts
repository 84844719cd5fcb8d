import { randomBytes } from 'node:crypto';
import type { PcmSpeech, ProviderConnection, ProviderMediaEvent, ProviderSessionSpec, SpeechOutcome, SpeechRequest } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { IngressLink } from './ingress-link';
import { pcmBytesFor, splitPcm } from './pcm-audio';
import { serverErrorKind } from './spatialwalk-failures';
import { encodeAudioInput, encodeInterrupt, MessageType, SpatialWalkMessage } from './spatialwalk-wire';
import { Utterance } from './utterance';

export interface SpatialWalkConnectionSettings {
  provider: string;
  sampleRate: number;
  /** Length of each audio input sent to the vendor. */
  inputChunkMs: number;
  /** Length of each audio event emitted to the platform. */
  audioEventSeconds: number;
  animationFps: number;
  stallTimeoutMs: number;
  now: () => number;
}

/**
 * A live SpatialWalk session: one confirmed ingress socket. Speaking synthesizes the
 * text (or takes an audio task's recorded audio at the session's rate), streams the
 * PCM as audio inputs under one request id, and turns the animation
 * the vendor streams back into frame (and audio) events. The socket is the session:
 * closing this connection ends it at the vendor.
 */
export class SpatialWalkConnection implements ProviderConnection {
  private current?: Utterance;
  private lost?: ProviderError;
  private readonly lostListeners: Array<(error: Error) => void> = [];
  private closed = false;
  private nextFrameId = 1;

  constructor(
    private readonly link: IngressLink,
    private readonly spec: ProviderSessionSpec,
    private readonly settings: SpatialWalkConnectionSettings,
  ) {
    link.listen({ message: (message, raw) => this.onMessage(message, raw), gone: (error) => this.lose(error) });
  }

  /** The vendor's id for this socket (its confirm-session answer). */
  get connectionId(): string {
    return this.link.connectionId;
  }

  async speak(request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome> {
    this.assertUsable();
    const { provider, sampleRate } = this.settings;
    const engine = this.spec.speech;
    // An audio task brings its own audio; only text needs the session's speech engine.
    if (!request.audio && !engine) throw new ProviderError(`${provider}: the session has no speech engine (SpatialWalk animates audio, not text)`, { kind: 'rejected', provider });
    if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
    let speech: PcmSpeech;
    if (request.audio) {
      // The client's audio at the rate this session was configured with: from here on it is speech like any other.
      speech = request.audio.at(sampleRate);
    } else {
      try {
        speech = await engine!.synthesize({ text: request.text, voiceId: request.voiceId ?? this.spec.voiceId, voiceSettings: request.voiceSettings, sampleRate }, signal);
      } catch (err) {
        if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
        throw err;
      }
    }
    if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
    if (speech.sampleRate !== sampleRate) {
      const source = request.audio ? 'the resampled audio' : `the speech engine ${engine!.name}`;
      throw new ProviderError(`${provider}: ${source} gave ${speech.sampleRate} Hz, the session takes ${sampleRate} Hz`, { kind: 'rejected', provider });
    }
    // Nothing to say: the vendor is not asked to animate silence.
    if (speech.pcm.length === 0) return { spokenSeconds: 0, interrupted: false };
    this.assertUsable();

    const utterance = new Utterance({
      ...this.settings,
      taskId: request.taskId,
      // The task id for the vendor's logs, and a suffix: a retried task is a new request.
      reqId: `${request.taskId}_${randomBytes(4).toString('hex')}`,
      pcm: speech.pcm,
      emit,
      nextFrameId: () => this.nextFrameId++,
    });
    this.current = utterance;
    const onAbort = () => this.interrupt(utterance);
    signal.addEventListener('abort', onAbort, { once: true });
    void this.sendAudio(utterance, speech.pcm);
    try {
      return await utterance.outcome;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.current === utterance) this.current = undefined;
    }
  }

  /** SpatialWalk needs no keep-alive: the socket holds the session; pings watch the link. */
  async keepAlive(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { provider } = this.settings;
    this.current?.fail(new ProviderError(`${provider}: the connection was closed while speaking`, { kind: 'session_ended', provider }));
    await this.link.close();
  }

  onLost(listener: (error: Error) => void): void {
    this.lostListeners.push(listener);
    const lost = this.lost;
    if (lost && !this.closed) queueMicrotask(() => listener(lost));
  }

  private async sendAudio(utterance: Utterance, pcm: Buffer): Promise<void> {
    const chunks = splitPcm(pcm, pcmBytesFor(this.settings.inputChunkMs, this.settings.sampleRate));
    try {
      for (let i = 0; i < chunks.length; i++) {
        // An interrupted or failed utterance sends no more.
        if (utterance.settled) return;
        await this.link.send(encodeAudioInput(utterance.reqId, chunks[i], i === chunks.length - 1));
      }
    } catch (err) {
      utterance.fail(err as Error);
    }
  }

  private interrupt(utterance: Utterance): void {
    if (utterance.settled) return;
    utterance.interrupt();
    // Best effort: a link that is gone has stopped the animation anyway (and reports itself).
    this.link.send(encodeInterrupt(utterance.reqId)).catch(() => {});
  }

  private onMessage(message: SpatialWalkMessage, raw: Buffer): void {
    if (message.type === MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION) {
      const animation = message.serverResponseAnimation;
      // Responses for an utterance already finished or interrupted are late, not news.
      if (this.current && animation?.reqId === this.current.reqId) this.current.animation(raw, !!animation.end);
      return;
    }
    if (message.type !== MessageType.MESSAGE_SERVER_ERROR) return;
    const reqId = message.serverError?.reqId ?? '';
    const code = message.serverError?.code ?? 0;
    const text = message.serverError?.message ?? '';
    const { provider } = this.settings;
    const error = (phase: 'speech' | 'configure') =>
      new ProviderError(`${provider}: the vendor failed ${reqId ? `request ${reqId}` : 'the session'} (code ${code}): ${text}`, {
        kind: serverErrorKind(code, text, phase),
        provider,
        vendorStatus: code,
      });
    if (reqId) {
      if (this.current?.reqId === reqId) this.current.fail(error('speech'));
      return;
    }
    // An error about no request is about the session: it is over.
    this.lose(error('speech'));
    void this.link.close();
  }

  private lose(error: ProviderError): void {
    if (this.closed || this.lost) return;
    this.lost = error;
    const { provider } = this.settings;
    // The utterance may go well on a new socket: its failure is retryable whatever ended this one.
    this.current?.fail(new ProviderError(`${provider}: the session went away while speaking: ${error.message}`, { kind: 'connection', provider, vendorStatus: error.vendorStatus }));
    for (const listener of this.lostListeners) listener(error);
  }

  private assertUsable(): void {
    const { provider } = this.settings;
    if (this.closed) throw new ProviderError(`${provider}: the connection is closed`, { kind: 'session_ended', provider });
    if (this.lost) throw new ProviderError(`${provider}: the session is gone: ${this.lost.message}`, { kind: 'connection', provider });
    if (this.current) throw new ProviderError(`${provider}: the session is already speaking`, { kind: 'rejected', provider });
  }
}
