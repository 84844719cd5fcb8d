import { apiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';
import { decodeWav } from '../../libs/tts/src';

/**
 * The local provider with its speech engine (espeak-ng, the default outside the e2e
 * suites): `audio` events (base64 WAV, duration, sample_rate) in step with the frames,
 * and the task takes as long as its audio, not as words per minute say.
 */
describe('the local provider speaks audio (espeak-ng)', () => {
  let platform: Platform;

  beforeAll(async () => {
    // A words-per-minute rate far from espeak-ng's, so timing from WPM would show.
    platform = await startPlatform({ env: { LOCAL_SPEECH: 'audio', LOCAL_AUDIO_SAMPLE_RATE: '16000', SPEECH_WORDS_PER_MINUTE: '60' } });
  });
  afterAll(() => platform?.stop());

  it('sends audio events with the frames and ends the task when its audio ends', async () => {
    const api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    // An ElevenLabs voice id, as the reference's examples send: espeak-ng speaks it with its default voice.
    const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'Hello there, this is the local avatar speaking.', voice_id: 'EXAVITQu4vr4xnSDxMaL' });
    expect(speak.status).toBe(200);
    const done = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === speak.body.task_id, 30_000);

    const audio = socket.events.filter((e) => e.type === 'audio' && e.task_id === speak.body.task_id);
    expect(audio.length).toBeGreaterThan(0);
    let seconds = 0;
    for (const event of audio) {
      expect(event.sample_rate).toBe(16_000);
      const wav = decodeWav(Buffer.from(event.data, 'base64'));
      expect(wav.sampleRate).toBe(16_000);
      // The event's duration is what its WAV holds.
      expect(Math.abs(event.duration - wav.pcm.length / 2 / wav.sampleRate)).toBeLessThan(0.01);
      seconds += event.duration;
    }
    // The task lasted its audio (espeak-ng speaks 8 words in ~3 s; at 60 wpm they would take 8 s).
    expect(Math.abs(done.duration - seconds) / seconds).toBeLessThan(0.1);
    expect(done.duration).toBeLessThan(6);
    // Audio goes ahead of the frames it covers: the first audio event precedes the first frame.
    const firstAudio = socket.events.findIndex((e) => e.type === 'audio');
    const firstFrame = socket.events.findIndex((e) => e.type === 'frame');
    expect(firstAudio).toBeGreaterThanOrEqual(0);
    expect(firstAudio).toBeLessThan(firstFrame);
    socket.close();
  });
});
