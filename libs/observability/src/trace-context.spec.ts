import { childContext, continueTrace, currentTrace, formatTraceparent, outgoingTraceparent, parseTraceparent, runInTrace } from './trace-context';

describe('trace context', () => {
  const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('parses and formats a W3C traceparent', () => {
    const ctx = parseTraceparent(header);
    expect(ctx).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(formatTraceparent(ctx!)).toBe(header);
  });

  it('rejects malformed and all-zero ids', () => {
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it('continues an incoming trace with a new span, or starts a new trace', () => {
    const continued = continueTrace(header);
    expect(continued.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(continued.spanId).not.toBe('00f067aa0ba902b7');
    const fresh = continueTrace(undefined);
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe(continued.traceId);
  });

  it('keeps the current context across awaits and hands on a child', async () => {
    const root = childContext();
    await runInTrace(root, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentTrace()).toBe(root);
      const next = parseTraceparent(outgoingTraceparent());
      expect(next?.traceId).toBe(root.traceId);
      expect(next?.spanId).not.toBe(root.spanId);
    });
    expect(currentTrace()).toBeUndefined();
    expect(outgoingTraceparent()).toBeUndefined();
  });
});
