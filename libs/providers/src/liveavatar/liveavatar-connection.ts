import type { PcmSpeech, ProviderConnection, ProviderMediaEvent, ProviderSessionSpec, SpeechOutcome, SpeechRequest } from '../avatar-provider';
import { ProviderError } from '../provider-error';
import { LIVEAVATAR_PROVIDER } from './liveavatar-api';
import type { LiveAvatarSocket } from './liveavatar-socket';
import { CLIENT_EVENTS, LIVEAVATAR_SAMPLE_RATE } from './liveavatar-wire';
import { speakAudio, SpeakAudioOptions } from './speak-audio';

/**
 * A live handle on one LiveAvatar session: speech is synthesized by the session's
 * speech engine (or, for an audio task, is the client's recorded audio resampled to
 * 24 kHz) and streamed to the vendor, which renders and plays it in its own
 * LiveKit room. Nothing comes back to the platform as media, so `speak` emits nothing:
 * the user's frontend watches the room (the `clientSession` start gave).
 */
export class LiveAvatarConnection implements ProviderConnection {
  private speaking = false;

  constructor(
    private readonly socket: LiveAvatarSocket,
    private readonly spec: ProviderSessionSpec,
    private readonly options: SpeakAudioOptions,
  ) {}

  async speak(request: SpeechRequest, _emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal): Promise<SpeechOutcome> {
    const engine = this.spec.speech;
    // An audio task brings its own audio; only text needs the session's speech engine.
    if (!request.audio && !engine) throw rejected('no speech engine: LiveAvatar speaks audio, and the session has no TTS engine');
    // One utterance at a time: the vendor has one playback buffer per session.
    if (this.speaking) throw rejected('already speaking on this session');
    if (!this.socket.isOpen) throw this.socket.notOpen();
    this.speaking = true;
    try {
      let speech: PcmSpeech;
      if (request.audio) {
        // The client's audio, at the one rate the vendor takes: the same `agent.speak` path as synthesized speech.
        speech = request.audio.at(LIVEAVATAR_SAMPLE_RATE);
      } else {
        try {
          speech = await engine!.synthesize(
            { text: request.text, voiceId: request.voiceId ?? this.spec.voiceId, voiceSettings: request.voiceSettings, sampleRate: LIVEAVATAR_SAMPLE_RATE },
            signal,
          );
        } catch (err) {
          if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
          throw err;
        }
      }
      if (signal.aborted) return { spokenSeconds: 0, interrupted: true };
      if (speech.sampleRate !== LIVEAVATAR_SAMPLE_RATE) {
        throw rejected(`the ${request.audio ? 'resampled audio' : 'speech engine'} gave ${speech.sampleRate} Hz audio; LiveAvatar takes ${LIVEAVATAR_SAMPLE_RATE} Hz`);
      }
      return await speakAudio(this.socket, speech.pcm, this.options, signal);
    } finally {
      this.speaking = false;
    }
  }

  /** `agent.start_listening` / `agent.stop_listening`: the avatar looks attentive while the user talks. */
  async setListening(listening: boolean): Promise<void> {
    await this.socket.send(listening ? CLIENT_EVENTS.START_LISTENING : CLIENT_EVENTS.STOP_LISTENING);
  }

  async keepAlive(): Promise<void> {
    await this.socket.send(CLIENT_EVENTS.KEEP_ALIVE);
  }

  close(): Promise<void> {
    return this.socket.close();
  }

  onLost(listener: (error: Error) => void): void {
    this.socket.onLost(listener);
  }
}

function rejected(message: string): ProviderError {
  return new ProviderError(`${LIVEAVATAR_PROVIDER}: ${message}`, { kind: 'rejected', provider: LIVEAVATAR_PROVIDER });
}
