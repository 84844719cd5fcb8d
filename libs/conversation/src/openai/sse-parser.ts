/** One server-sent event: its `event:` name (absent for plain data events) and its `data:` lines joined by "\n". */
export interface SseEvent {
  event?: string;
  data: string;
}

/** Thrown when a single line grows past the parser's bound: an upstream that never ends a line. */
export class SseLineTooLongError extends Error {
  constructor(readonly maxLineChars: number) {
    super(`an event-stream line grew past ${maxLineChars} characters`);
    this.name = 'SseLineTooLongError';
  }
}

/**
 * The text/event-stream wire format, decoded incrementally: feed it text as it arrives
 * (already decoded from UTF-8, so a character split between network chunks is the
 * TextDecoder's business) and it returns the events each piece completed. Lines may end
 * in LF, CRLF or CR, and a piece may end anywhere, even between the CR and LF of one
 * line ending. Comments (`: ping`) and fields other than `data`/`event` are skipped.
 */
export class SseParser {
  private buffer = '';
  /** How far `buffer` was already searched for a line ending (it holds one unfinished line at most). */
  private scanned = 0;
  private data: string[] = [];
  private event: string | undefined;

  constructor(private readonly maxLineChars = 1_000_000) {}

  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    this.buffer += text;
    let start = 0;
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== '\n' && ch !== '\r') continue;
      // A CR at the very end may be the first half of a CRLF: decide when more arrives.
      if (ch === '\r' && i === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, i);
      if (ch === '\r' && this.buffer[i + 1] === '\n') i++;
      start = i + 1;
      this.line(line, events);
    }
    this.buffer = this.buffer.slice(start);
    this.scanned = this.buffer.endsWith('\r') ? this.buffer.length - 1 : this.buffer.length;
    if (this.buffer.length > this.maxLineChars) throw new SseLineTooLongError(this.maxLineChars);
    return events;
  }

  /**
   * The stream ended: whatever is pending is dispatched, even without the blank line
   * that should close it. A cut-off JSON payload then fails to parse where it is read,
   * so leniency here never turns a truncated event into a valid one.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.length > 0) this.line(this.buffer.replace(/\r$/, ''), events);
    this.buffer = '';
    this.scanned = 0;
    this.dispatch(events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') return this.dispatch(events);
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data.length > 0) events.push({ ...(this.event !== undefined ? { event: this.event } : {}), data: this.data.join('\n') });
    this.data = [];
    this.event = undefined;
  }
}
