import { formatLogLine } from './logger-format';

const line = (entry: Record<string, unknown>) => `${JSON.stringify({ level: 'info', time: '2026-01-02T03:04:05.678Z', app: 'gateway', pid: 1, hostname: 'h', ...entry })}\n`;

describe('formatLogLine (LOG_FORMAT=text)', () => {
  it('writes one readable line: time, level, app, context, message, then other fields', () => {
    expect(formatLogLine(line({ context: 'HttpEdge', msg: 'stopped accepting', connections: 3 }))).toBe(
      '2026-01-02T03:04:05.678Z INFO  [gateway] HttpEdge: stopped accepting connections=3\n',
    );
  });

  it('shortens the trace id, names the request, and leaves span ids out', () => {
    const text = formatLogLine(line({ msg: 'audit actor=admin', request_id: 'req-9', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', trace_flags: '01' }));
    expect(text).toBe('2026-01-02T03:04:05.678Z INFO  [gateway] audit actor=admin req=req-9 trace=4bf92f35\n');
  });

  it("does not repeat an access line's fields, which its message says", () => {
    expect(formatLogLine(line({ msg: 'GET /x 200 3 ms', method: 'GET', path: '/x', status: 200, duration_ms: 3, request_id: 'r' }))).toBe('2026-01-02T03:04:05.678Z INFO  [gateway] GET /x 200 3 ms req=r\n');
  });

  it('puts an error stack on the lines after it', () => {
    const text = formatLogLine(line({ level: 'error', msg: 'boom', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x.ts:1' } }));
    expect(text).toBe('2026-01-02T03:04:05.678Z ERROR [gateway] boom\nError: boom\n    at x.ts:1\n');
  });

  it('passes a line that is not JSON through as it is', () => {
    expect(formatLogLine('plain words')).toBe('plain words\n');
  });
});
