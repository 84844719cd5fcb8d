import { estimateSpeechSeconds, fitTrack, framesOf, trackDuration, visemeTrack } from './viseme-track';

const timing = { wordsPerMinute: 150 };

describe('visemeTrack', () => {
  it('is deterministic', () => {
    expect(visemeTrack('Hello, world!', timing)).toEqual(visemeTrack('Hello, world!', timing));
  });

  it('maps letters to mouth shapes in order and merges repeats', () => {
    const shapes = visemeTrack('mama', timing).map((s) => s.viseme);
    expect(shapes).toEqual(['PP', 'aa', 'PP', 'aa']);
    expect(visemeTrack('the', timing).map((s) => s.viseme)).toEqual(['TH', 'E']);
    expect(visemeTrack('all', timing).map((s) => s.viseme)).toEqual(['aa', 'nn']);
  });

  it('times words at the speaking rate', () => {
    // Five-letter words take exactly 60/wpm seconds each.
    expect(trackDuration(visemeTrack('hello there world', timing))).toBeCloseTo(3 * 0.4, 5);
    expect(trackDuration(visemeTrack('hello there world', { wordsPerMinute: 300 }))).toBeCloseTo(3 * 0.2, 5);
    expect(trackDuration(visemeTrack('hello there world', { ...timing, speed: 2 }))).toBeCloseTo(3 * 0.2, 5);
  });

  it('pauses at punctuation but not after the last word', () => {
    const plain = trackDuration(visemeTrack('hello world', timing));
    expect(trackDuration(visemeTrack('hello, world', timing))).toBeCloseTo(plain + 0.25, 5);
    expect(trackDuration(visemeTrack('hello. world', timing))).toBeCloseTo(plain + 0.5, 5);
    expect(trackDuration(visemeTrack('hello world.', timing))).toBeCloseTo(plain, 5);
    const withPause = visemeTrack('hello, world', timing);
    expect(withPause.some((s) => s.viseme === 'sil' && s.end - s.start === 0.25)).toBe(true);
  });

  it('gives an empty track for text with nothing to say', () => {
    expect(visemeTrack('...', timing)).toEqual([]);
    expect(estimateSpeechSeconds('  ', timing)).toBe(0);
  });

  it('animates words of other scripts', () => {
    expect(trackDuration(visemeTrack('привет мир', timing))).toBeGreaterThan(0);
  });
});

describe('framesOf', () => {
  it('covers the track at the frame rate with the viseme of each instant', () => {
    const track = visemeTrack('hello there world', timing); // 1.2 s
    const frames = framesOf(track, 25);
    expect(frames).toHaveLength(30);
    expect(frames[0]).toBe(track[0].viseme);
    expect(frames[frames.length - 1]).toBe(track[track.length - 1].viseme);
  });
});

describe('fitTrack', () => {
  const track = visemeTrack('hello there world', timing); // 1.2 s

  it('stretches the track to the audio duration, keeping each shape’s share', () => {
    const fitted = fitTrack(track, 2.4);
    expect(trackDuration(fitted)).toBe(2.4);
    expect(fitted.map((s) => s.viseme)).toEqual(track.map((s) => s.viseme));
    expect(fitted[3].end - fitted[3].start).toBeCloseTo(2 * (track[3].end - track[3].start), 5);
  });

  it('compresses it too', () => {
    expect(trackDuration(fitTrack(track, 0.6))).toBe(0.6);
    expect(fitTrack(track, 0.6)[1].start).toBeCloseTo(track[1].start / 2, 5);
  });

  it('puts the shapes in the voiced part and closes the mouth around it', () => {
    const fitted = fitTrack(track, 3, { start: 0.5, end: 2.5 });
    expect(fitted[0]).toEqual({ viseme: 'sil', start: 0, end: 0.5 });
    expect(fitted[1]).toMatchObject({ viseme: track[0].viseme, start: 0.5 });
    expect(fitted[fitted.length - 2].end).toBe(2.5);
    expect(fitted[fitted.length - 1]).toEqual({ viseme: 'sil', start: 2.5, end: 3 });
    expect(trackDuration(fitted)).toBe(3);
  });

  it('keeps the mouth closed for audio without words, and is empty for no audio', () => {
    expect(fitTrack([], 1.5)).toEqual([{ viseme: 'sil', start: 0, end: 1.5 }]);
    expect(fitTrack(track, 0)).toEqual([]);
  });
});
