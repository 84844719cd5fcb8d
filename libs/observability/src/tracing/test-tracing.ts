import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * For specs (Jest cannot run the preload's instrumentations, but the API works): what
 * the preload registers — a provider, the AsyncLocalStorage context manager and the W3C
 * propagator — with the finished spans kept in memory. Not exported from the lib's
 * index: specs import it by path, apps never load it.
 */
export interface TestTracing {
  spans(): ReadableSpan[];
  reset(): void;
  uninstall(): void;
}

export function installTestTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    uninstall: () => {
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
