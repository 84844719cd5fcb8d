import { SseLineTooLongError, SseParser } from './sse-parser';

/** Feeds `wire` cut at every given offset and collects all events, including those end() dispatches. */
function parseInPieces(wire: string, cuts: number[]): ReturnType<SseParser['push']> {
  const parser = new SseParser();
  const events = [];
  let from = 0;
  for (const cut of [...cuts, wire.length]) {
    events.push(...parser.push(wire.slice(from, cut)));
    from = cut;
  }
  events.push(...parser.end());
  return events;
}

describe('SseParser', () => {
  const WIRE = 'data: {"a":1}\n\n: ping\n\ndata: {"b":2}\r\n\r\nevent: error\ndata: {"c":3}\n\ndata: x\r\ndata: y\r\n\r\ndata: [DONE]\n\n';
  const EXPECTED = [{ data: '{"a":1}' }, { data: '{"b":2}' }, { event: 'error', data: '{"c":3}' }, { data: 'x\ny' }, { data: '[DONE]' }];

  it('returns data events in order, skipping comments and blank lines, keeping event names', () => {
    expect(parseInPieces(WIRE, [])).toEqual(EXPECTED);
  });

  it('gives the same events however the text is cut, even between CR and LF', () => {
    for (let cut = 1; cut < WIRE.length; cut++) expect(parseInPieces(WIRE, [cut])).toEqual(EXPECTED);
    const everyChar = Array.from({ length: WIRE.length }, (_, i) => i);
    expect(parseInPieces(WIRE, everyChar)).toEqual(EXPECTED);
  });

  it('returns an event with the blank line that ends it, not before', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"a":1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ data: '{"a":1}' }]);
  });

  it('joins several data lines with a newline, takes lone CRs as line ends and "data:" without a space', () => {
    expect(parseInPieces('data:first\rdata: second\r\rdata\n\n', [])).toEqual([{ data: 'first\nsecond' }, { data: '' }]);
  });

  it('ignores other fields and events without data', () => {
    expect(parseInPieces('id: 7\nretry: 10\nevent: ping\n\ndata: x\n\n', [])).toEqual([{ data: 'x' }]);
  });

  it('dispatches what is pending when the stream ends without the closing blank line', () => {
    expect(parseInPieces('data: [DONE]\n', [])).toEqual([{ data: '[DONE]' }]);
    expect(parseInPieces('data: {"cut', [])).toEqual([{ data: '{"cut' }]);
  });

  it('fails on a line that never ends', () => {
    const parser = new SseParser(10);
    expect(() => parser.push('data: 0123456789')).toThrow(SseLineTooLongError);
  });
});
