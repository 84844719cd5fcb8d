import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { contextFromTraceparent, currentTrace, traceparentOf } from './trace-context';
import { installTestTracing, TestTracing } from './tracing/test-tracing';

describe('trace context (W3C through OpenTelemetry)', () => {
  const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  let tracing: TestTracing;
  beforeAll(() => (tracing = installTestTracing()));
  afterAll(() => tracing.uninstall());

  it('reads a traceparent into a remote parent and writes it back unchanged', () => {
    const ctx = contextFromTraceparent(header);
    expect(trace.getSpanContext(ctx)).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', isRemote: true });
    expect(traceparentOf(ctx)).toBe(header);
  });

  it('ignores malformed, all-zero and missing values (the span then starts a trace of its own)', () => {
    for (const value of ['garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', '', undefined, null]) {
      expect(trace.getSpanContext(contextFromTraceparent(value))).toBeUndefined();
    }
    expect(traceparentOf(ROOT_CONTEXT)).toBeUndefined();
  });

  it('continues the caller\'s trace in a child span, current across awaits', async () => {
    const span = trace.getTracer('spec').startSpan('child', {}, contextFromTraceparent(header));
    await context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentTrace()).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: span.spanContext().spanId, sampled: true });
      expect(traceparentOf()).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`);
    });
    span.end();
    expect(span.spanContext().spanId).not.toBe('00f067aa0ba902b7');
    expect(currentTrace()).toBeUndefined();
    expect(traceparentOf()).toBeUndefined();
  });
});
