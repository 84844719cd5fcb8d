/**
 * Text → timed mouth shapes, deterministically. The local provider needs no TTS to
 * animate believably: each word gets the time it takes at the speaking rate, spread
 * over its letters' mouth shapes (the 15 Oculus/MPEG-4 style visemes), and
 * punctuation adds the pause a speaker makes there.
 */

export const VISEMES = ['sil', 'PP', 'FF', 'TH', 'DD', 'kk', 'CH', 'SS', 'nn', 'RR', 'aa', 'E', 'I', 'O', 'U'] as const;
export type Viseme = (typeof VISEMES)[number];

export interface VisemeSegment {
  viseme: Viseme;
  /** Seconds from the start of the speech. */
  start: number;
  end: number;
}

export interface SpeechTiming {
  wordsPerMinute: number;
  /** Voice speed multiplier (voice_settings.speed): 2 speaks twice as fast. */
  speed?: number;
}

/** Pauses after punctuation, in seconds (at speed 1). */
const PAUSES: Record<string, number> = { ',': 0.25, ';': 0.35, ':': 0.35, '.': 0.5, '!': 0.5, '?': 0.5, '—': 0.3, '-': 0 };

const DIGRAPHS: Record<string, Viseme> = { th: 'TH', ch: 'CH', sh: 'CH', ng: 'nn', ph: 'FF', qu: 'kk' };
const LETTERS: Record<string, Viseme> = {
  a: 'aa', e: 'E', i: 'I', y: 'I', o: 'O', u: 'U', w: 'U',
  p: 'PP', b: 'PP', m: 'PP', f: 'FF', v: 'FF',
  t: 'DD', d: 'DD', k: 'kk', g: 'kk', c: 'kk', q: 'kk', x: 'kk', h: 'kk',
  j: 'CH', s: 'SS', z: 'SS', n: 'nn', l: 'nn', r: 'RR',
};

/** Words and punctuation, in order. Digits and letters of any script count as word characters. */
function tokens(text: string): string[] {
  return text.match(/[\p{L}\p{N}']+|[,;:.!?—]/gu) ?? [];
}

function lettersToVisemes(word: string): Viseme[] {
  const lower = word.toLowerCase().replace(/'/g, '');
  const out: Viseme[] = [];
  for (let i = 0; i < lower.length; ) {
    const pair = DIGRAPHS[lower.slice(i, i + 2)];
    if (pair) {
      out.push(pair);
      i += 2;
      continue;
    }
    // Letters outside the table (other scripts, digits) open the mouth neutrally.
    out.push(LETTERS[lower[i]] ?? 'aa');
    i += 1;
  }
  // Merge repeats: "ll" is one mouth shape held, not two.
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

export function visemeTrack(text: string, timing: SpeechTiming): VisemeSegment[] {
  const speed = timing.speed ?? 1;
  const secondsPerWord = 60 / timing.wordsPerMinute / speed;
  const segments: VisemeSegment[] = [];
  let t = 0;
  const push = (viseme: Viseme, seconds: number) => {
    const last = segments[segments.length - 1];
    if (last && last.viseme === viseme) last.end = round(t + seconds);
    else segments.push({ viseme, start: round(t), end: round(t + seconds) });
    t += seconds;
  };
  for (const token of tokens(text)) {
    if (token in PAUSES) {
      if (PAUSES[token] > 0 && segments.length > 0) push('sil', PAUSES[token] / speed);
      continue;
    }
    const shapes = lettersToVisemes(token);
    // Long words take longer, but not proportionally: an average word is ~5 letters.
    const wordSeconds = secondsPerWord * Math.min(2, Math.max(0.6, token.length / 5));
    for (const shape of shapes) push(shape, wordSeconds / shapes.length);
  }
  // A trailing pause is silence after the speech ends, not part of it.
  while (segments.length > 0 && segments[segments.length - 1].viseme === 'sil') segments.pop();
  return segments;
}

export function trackDuration(track: VisemeSegment[]): number {
  return track.length === 0 ? 0 : track[track.length - 1].end;
}

/** The viseme shown at each frame, `fps` frames a second, covering the whole track. */
export function framesOf(track: VisemeSegment[], fps: number): Viseme[] {
  const duration = trackDuration(track);
  const count = Math.ceil(duration * fps - 1e-9);
  const frames: Viseme[] = [];
  let segment = 0;
  for (let i = 0; i < count; i++) {
    const t = (i + 0.5) / fps;
    while (segment < track.length - 1 && track[segment].end <= t) segment++;
    frames.push(track[segment].viseme);
  }
  return frames;
}

/** Seconds `text` takes to speak at this timing: the duration_estimate of a task. */
export function estimateSpeechSeconds(text: string, timing: SpeechTiming): number {
  return trackDuration(visemeTrack(text, timing));
}

function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/**
 * The track fitted to real audio: its shapes keep their share of the time but are
 * spread over the voiced part of the audio ([voiced.start, voiced.end]), with the
 * mouth closed ('sil') before and after, so the track lasts exactly `duration`.
 * A track with no shapes gives one 'sil' over the whole duration.
 */
export function fitTrack(track: VisemeSegment[], duration: number, voiced: { start: number; end: number } = { start: 0, end: duration }): VisemeSegment[] {
  if (duration <= 0) return [];
  const start = Math.max(0, Math.min(voiced.start, duration));
  const end = Math.max(start, Math.min(voiced.end, duration));
  const length = trackDuration(track);
  if (length === 0 || end === start) return [{ viseme: 'sil', start: 0, end: duration }];
  const scale = (end - start) / length;
  const fitted: VisemeSegment[] = track.map((s) => ({ viseme: s.viseme, start: round(start + s.start * scale), end: round(start + s.end * scale) }));
  fitted[fitted.length - 1].end = end;
  if (start > 0) fitted.unshift({ viseme: 'sil', start: 0, end: fitted[0].start });
  if (end < duration) fitted.push({ viseme: 'sil', start: end, end: duration });
  else fitted[fitted.length - 1].end = duration;
  return fitted;
}
