/**
 * Splits a server-sent events stream into its `data` payloads (one per event; several
 * `data:` lines of one event are joined with a newline). Comments and other fields are
 * ignored. Feed it text as it arrives; it keeps an incomplete event for the next chunk.
 */
export class SseParser {
  private buffer = '';

  push(text: string): string[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const payloads: string[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length > 0) payloads.push(data.join('\n'));
    }
    return payloads;
  }

  /** True when the stream stopped in the middle of an event. */
  get hasPartialEvent(): boolean {
    return this.buffer.trim().length > 0;
  }
}
