import type { VoiceSettings } from '@avatar/contracts';

/** Sample rates a TTS output can be resampled to (the vendors take 8–48 kHz). */
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 48_000;

export interface SynthesisRequest {
  text: string;
  /** The engine's voice (an espeak-ng voice name, an ElevenLabs voice id); the engine's default when absent. */
  voiceId?: string;
  voiceSettings?: VoiceSettings;
  /** The rate the caller needs, 8000–48000 Hz: the engine resamples to it. */
  sampleRate: number;
}

/** Speech as PCM signed 16-bit little-endian mono. */
export interface SynthesizedSpeech {
  pcm: Buffer;
  sampleRate: number;
  /** Seconds of audio: samples / sampleRate. */
  durationS: number;
}

/**
 * Text to speech. Audio-driven vendors (LiveAvatar, SpatialWalk) and the local
 * provider speak what an engine synthesizes. Failures are ProviderErrors (typed,
 * retryable or not), like any vendor call.
 */
export interface TtsEngine {
  readonly name: string;
  synthesize(request: SynthesisRequest, signal?: AbortSignal): Promise<SynthesizedSpeech>;
}
