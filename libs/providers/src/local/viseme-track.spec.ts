import { estimateSpeechSeconds, framesOf, trackDuration, visemeTrack } from './viseme-track';

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
