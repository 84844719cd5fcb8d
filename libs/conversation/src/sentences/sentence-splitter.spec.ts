import { SentenceSplitter } from './sentence-splitter';

/** All sentences of `text` fed in one piece, then flushed. */
function split(text: string, maxChars?: number): string[] {
  const splitter = new SentenceSplitter({ maxChars });
  const out = splitter.push(text);
  const last = splitter.flush();
  return last ? [...out, last] : out;
}

/** The same, fed one character at a time. */
function splitByChar(text: string, maxChars?: number): string[] {
  const splitter = new SentenceSplitter({ maxChars });
  const out = [...text].flatMap((ch) => splitter.push(ch));
  const last = splitter.flush();
  return last ? [...out, last] : out;
}

describe('SentenceSplitter', () => {
  it('returns a sentence from the delta that brings the whitespace after its terminator', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Hello there')).toEqual([]);
    expect(splitter.push('!')).toEqual([]); // last in the buffer: it waits
    expect(splitter.push(' How')).toEqual(['Hello there!']);
    expect(splitter.push(' are you?')).toEqual([]);
    expect(splitter.push('\n')).toEqual(['How are you?']);
    expect(splitter.flush()).toBeUndefined();
  });

  it('splits after . ! ? … and runs of them, keeping closing quotes and brackets', () => {
    expect(split('One. Two! Three? Four… Five?! Six... "Seven." (Eight!) Nine')).toEqual([
      'One.',
      'Two!',
      'Three?',
      'Four…',
      'Five?!',
      'Six...',
      '"Seven."',
      '(Eight!)',
      'Nine',
    ]);
    expect(split('She said “stop.” Then left.')).toEqual(['She said “stop.”', 'Then left.']);
  });

  it('does not split decimals, abbreviations, initials or list numbers', () => {
    expect(split('Pi is 3.14 roughly. Mr. Smith met Dr. Who, e.g. on Tuesday, i.e. today, etc. and more. Done.')).toEqual([
      'Pi is 3.14 roughly.',
      'Mr. Smith met Dr. Who, e.g. on Tuesday, i.e. today, etc. and more.',
      'Done.',
    ]);
    expect(split('J. R. R. Tolkien lived in the U.K. for years. Cats vs. dogs (cf. birds) is old.')).toEqual([
      'J. R. R. Tolkien lived in the U.K. for years.',
      'Cats vs. dogs (cf. birds) is old.',
    ]);
    expect(split('Steps:\n1. Open it.\n2. Close it.')).toEqual(['Steps:', '1. Open it.', '2. Close it.']);
    expect(split('So do I. Really.')).toEqual(['So do I.', 'Really.']);
    expect(split('It costs 5. Then it is yours.')).toEqual(['It costs 5.', 'Then it is yours.']);
  });

  it('splits at every newline and drops empty lines', () => {
    expect(split('First line\nSecond line\r\n\r\n\n  Third paragraph  \n\n')).toEqual(['First line', 'Second line', 'Third paragraph']);
  });

  it('splits after full-width terminators without a space', () => {
    expect(split('你好。我很好！你呢？')).toEqual(['你好。', '我很好！', '你呢？']);
    expect(split('「はい。」そうです。')).toEqual(['「はい。」', 'そうです。']);
  });

  it('gives the same sentences whatever the deltas', () => {
    const text = 'Dr. No said "hi!" to J. Bond. It was 3.5 km away… Really?\nYes.  e.g. this, etc. Done';
    expect(splitByChar(text)).toEqual(split(text));
    expect(split(text)).toEqual(['Dr. No said "hi!"', 'to J. Bond.', 'It was 3.5 km away…', 'Really?', 'Yes.', 'e.g. this, etc. Done']);
  });

  it('keeps a terminator at the very end for flush()', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('It is 3.')).toEqual([]);
    expect(splitter.push('14 exactly.')).toEqual([]);
    expect(splitter.flush()).toBe('It is 3.14 exactly.');
    expect(splitter.flush()).toBeUndefined();
  });

  it('never returns empty, untrimmed or punctuation-only sentences', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('   ')).toEqual([]);
    expect(splitter.push('\n\n . !! ')).toEqual([]);
    expect(splitter.push('  Hi.  \n  ')).toEqual(['Hi.']);
    expect(splitter.push('…')).toEqual([]);
    expect(splitter.flush()).toBeUndefined();
    expect(split('**Bold.** Plain.')).toEqual(['**Bold.**', 'Plain.']);
  });

  it('cuts a sentence growing past maxChars after its last clause break in the second half', () => {
    const clause = 'word '.repeat(10) + 'then, more words follow here ';
    const splitter = new SentenceSplitter({ maxChars: 60 });
    const out = splitter.push(clause + 'and go on without end');
    expect(out).toEqual([`${'word '.repeat(10)}then,`]);
    expect(out[0].length).toBeLessThanOrEqual(60);
    expect(splitter.flush()).toBe('more words follow here and go on without end');
  });

  it('cuts at the last space when there is no clause break, and hard when there is no space', () => {
    const words = split('aaaa '.repeat(20).trim(), 22);
    expect(words.every((s) => s.length <= 22)).toBe(true);
    expect(words.join(' ')).toBe('aaaa '.repeat(20).trim());
    expect(words[0]).toBe('aaaa aaaa aaaa aaaa');
    expect(split('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    // a comma early on is not worth a tiny piece
    expect(split('Hi, ' + 'bb '.repeat(10), 20)[0]).toBe('Hi, bb bb bb bb bb');
  });

  it('does not cut a sentence that fits', () => {
    const sentence = `${'a'.repeat(100)}, ${'b'.repeat(100)}.`;
    expect(split(`${sentence} Next.`)).toEqual([sentence, 'Next.']);
  });
});
