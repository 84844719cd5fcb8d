export interface SentenceSplitterOptions {
  /**
   * A sentence growing past this many characters without ending is cut early (default
   * 220), so speech starts before a run-on sentence is complete.
   */
  maxChars?: number;
}

/** Ends a sentence when whitespace follows (after any closing quotes/brackets). */
const TERMINATORS = new Set(['.', '!', '?', '…']);
/** Full-width terminators: the languages using them put no space after a sentence. */
const WIDE_TERMINATORS = new Set(['。', '！', '？']);
/** What may close a sentence after its terminator and still belong to it. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', ')', ']', '}', '」', '』', '）', '*']);
/** What may open a word before an abbreviation: `(e.g. this)`. */
const OPENERS = /^["'“‘«([{*]+/;
/** Words a single `.` follows without ending the sentence (lower case, inner dots kept). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'mx', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'approx', 'fig']);
/** An initial (`J.`; not `I`, which mostly is the pronoun ending a sentence) or dotted initials (`U.S.`, `J.R.R.`) before the final dot. */
const INITIALS = /^[A-HJ-Z]$|^(?:[A-Za-z]\.)+[A-Za-z]$/;
/** A piece with nothing to say (`.`, `**`, `…`) is dropped rather than handed to speech. */
const SPEAKABLE = /[\p{L}\p{N}]/u;
/** The break points a too-long sentence is cut after, best first: clause punctuation, then any space. */
const CLAUSE_BREAK = /[,;:](?=\s)/g;

/**
 * Cuts a reply streamed as text deltas into sentences, each returned as soon as it is
 * complete, so the avatar speaks the first while the rest is still being written.
 *
 * A sentence ends
 * - after `.` `!` `?` `…` (or a run like `?!` `...`), plus any closing quotes/brackets,
 *   once WHITESPACE follows. A terminator at the very end of what was fed so far is
 *   not yet an end: it waits for the next delta (or `flush()`), because `3.` may become
 *   `3.14` and `Dr.` is never an end. So a sentence comes out with the delta that
 *   brings the whitespace after it (or a newline);
 * - after `。` `！` `？` once any next character arrives;
 * - at every newline (lists, paragraphs);
 * - when it grows past `maxChars`: it is cut after the last `,` `;` `:` in its second
 *   half, else at its last space, else hard at `maxChars`.
 * A single `.` does not end a sentence after a common abbreviation (Mr. Dr. e.g. i.e.
 * etc. vs.), an initial (`J. R. R. Tolkien`, `U.S.`), or a list number at the start of
 * a line (`1. `). Decimals (`3.14`) never split since no whitespace follows the dot.
 * Sentences are trimmed and never empty: a piece without a letter or digit (`.`, `**`)
 * is dropped.
 */
export class SentenceSplitter {
  private buffer = '';
  private readonly maxChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.maxChars = Math.max(1, options.maxChars ?? 220);
  }

  /** Feeds one delta; returns the sentences it completed, in order. */
  push(delta: string): string[] {
    const sentences: string[] = [];
    this.buffer += delta;
    for (;;) {
      const end = this.nextEnd();
      if (!end) break;
      this.take(end.cut, end.next, sentences);
    }
    while (this.buffer.length > this.maxChars) {
      const cut = this.longCut();
      this.take(cut, cut, sentences);
    }
    return sentences;
  }

  /** The reply is complete: the unfinished rest, trimmed (undefined when nothing speakable is left). */
  flush(): string | undefined {
    const rest = this.buffer.trim();
    this.buffer = '';
    return SPEAKABLE.test(rest) ? rest : undefined;
  }

  private take(cut: number, next: number, into: string[]): void {
    const sentence = this.buffer.slice(0, cut).trim();
    if (SPEAKABLE.test(sentence)) into.push(sentence);
    this.buffer = this.buffer.slice(next).trimStart();
  }

  /** Where the first complete sentence ends (`cut`) and the rest begins (`next`), if one does. */
  private nextEnd(): { cut: number; next: number } | undefined {
    const text = this.buffer;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029') return { cut: i, next: i + 1 };
      const wide = WIDE_TERMINATORS.has(ch);
      if (!wide && !TERMINATORS.has(ch)) continue;
      let runEnd = i;
      while (runEnd < text.length && (TERMINATORS.has(text[runEnd]) || WIDE_TERMINATORS.has(text[runEnd]))) runEnd++;
      let after = runEnd;
      while (after < text.length && CLOSERS.has(text[after])) after++;
      if (after === text.length) return undefined; // the terminator is last: wait for what follows
      if (wide) return { cut: after, next: after };
      const singleDot = runEnd - i === 1 && ch === '.';
      if (/\s/.test(text[after]) && !(singleDot && this.dotContinues(i))) return { cut: after, next: after };
      i = after - 1;
    }
    return undefined;
  }

  /** Whether the single `.` at `dot` belongs to an abbreviation, an initial or a list number rather than ending the sentence. */
  private dotContinues(dot: number): boolean {
    const before = this.buffer.slice(0, dot);
    const word = (/\S*$/.exec(before)?.[0] ?? '').replace(OPENERS, '');
    if (!word) return false;
    if (ABBREVIATIONS.has(word.toLowerCase()) || INITIALS.test(word)) return true;
    // `1. First step`: a number alone at the start of a line is a list marker.
    return /^\d{1,3}$/.test(word) && before.trim() === word;
  }

  /** Where an over-long unfinished sentence is cut: after clause punctuation in its second half, else at its last space, else hard. */
  private longCut(): number {
    const window = this.buffer.slice(0, this.maxChars + 1);
    let clause = -1;
    for (const match of window.matchAll(CLAUSE_BREAK)) if (match.index >= this.maxChars / 2) clause = match.index + 1;
    if (clause > 0) return clause;
    const space = window.search(/\s\S*$/);
    if (space > 0) return space;
    const hard = this.maxChars;
    return isHighSurrogate(this.buffer.charCodeAt(hard - 1)) ? hard - 1 : hard;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
