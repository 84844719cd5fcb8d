import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { recordServerSpan } from '@avatar/observability';
import { installTestTracing, TestTracing } from '../../../../libs/observability/src/tracing/test-tracing';
import { traceparentFor } from './trace.hook';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const request = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;

describe('the traceparent every gateway answer carries', () => {
  it('is the server span the http instrumentation recorded for the request', () => {
    const tracing = installTestTracing();
    try {
      const span = trace.getTracer('spec').startSpan('POST /v1/avatar.speak');
      const raw = request({ traceparent: CALLER });
      recordServerSpan(raw, span);
      expect(traceparentFor(raw)).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      span.end();
    } finally {
      tracing.uninstall();
    }
  });

  it('without one (untraced probe, refused connection, no preload): continues the caller\'s trace with a span of its own, the same for every look', () => {
    const raw = request({ traceparent: CALLER });
    const answer = traceparentFor(raw);
    expect(answer).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/);
    expect(traceparentFor(raw)).toBe(answer);
    expect(traceparentFor(undefined, { traceparent: CALLER })).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
  });

  it('without one and no caller trace (or a garbage one): a new trace', () => {
    const [a, b] = [traceparentFor(undefined), traceparentFor(request({ traceparent: 'garbage' }))];
    expect(a).toMatch(TRACEPARENT);
    expect(b).toMatch(TRACEPARENT);
    expect(TRACEPARENT.exec(a)![1]).not.toBe(TRACEPARENT.exec(b)![1]);
  });
});
