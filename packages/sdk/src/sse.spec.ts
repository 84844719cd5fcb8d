import { SseParser } from './sse';

describe('SseParser', () => {
  it('yields one payload per event, whatever the chunking, and keeps an incomplete event for later', () => {
    const stream = 'data: {"a":1}\n\ndata: {"b":2}\n\n: a comment\n\ndata: [DONE]\n\n';
    for (const size of [1, 3, 7, stream.length]) {
      const parser = new SseParser();
      const out: string[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...parser.push(stream.slice(i, i + size)));
      expect(out).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
      expect(parser.hasPartialEvent).toBe(false);
    }
  });

  it('joins the data lines of one event and accepts CRLF and "data:" without a space', () => {
    const parser = new SseParser();
    expect(parser.push('data:line one\r\ndata: line two\r\n\r\nevent: x\ndata: y')).toEqual(['line one\nline two']);
    expect(parser.hasPartialEvent).toBe(true);
    expect(parser.push('\n\n')).toEqual(['y']);
  });
});
