import type { ClientRequest, IncomingMessage } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { getSpanProcessorsFromEnv } from '@opentelemetry/sdk-node/build/src/utils';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NoopSpanProcessor, SimpleSpanProcessor, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { APP_VERSION } from '../health-report';
import { FileSpanExporter } from './file-span-exporter';
import { redactQuery, redactUrl } from './redact-url';
import { setRunningTracing } from './running';
import { recordServerSpan } from './server-spans';
import { serviceNameOf } from './service-name';

/** Paths polled by Kubernetes and Prometheus: not traced (the reference `/health` is). */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

export interface TracingPlan {
  serviceName: string;
  /** Exporters named by OTEL_TRACES_EXPORTER that will get spans. */
  exporters: string[];
  processors: SpanProcessor[];
  warnings: string[];
}

/**
 * Where spans go, from OTEL_TRACES_EXPORTER (comma-separated):
 * - unset, empty or `none`: nowhere. Unlike the SDK's default (otlp), tracing exports
 *   only when asked to; a provider is still registered (see startTracing).
 * - `otlp` (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT / _PROTOCOL http/protobuf or grpc),
 *   `console`, `zipkin`: built by the SDK from the standard variables, batched.
 * - `file`: this platform's test and debugging aid, AVATAR_TRACE_FILE (JSON lines).
 */
export function planTracing(env: NodeJS.ProcessEnv, mainScript: string | undefined): TracingPlan {
  const serviceName = serviceNameOf(env, mainScript);
  const names = [...new Set((env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim().toLowerCase()))].filter((s) => s !== '' && s !== 'none');
  const warnings: string[] = [];
  const processors: SpanProcessor[] = [];
  const exporters: string[] = [];
  if (names.includes('file')) {
    if (env.AVATAR_TRACE_FILE) {
      processors.push(new SimpleSpanProcessor(new FileSpanExporter(env.AVATAR_TRACE_FILE, serviceName)));
      exporters.push('file');
    } else {
      warnings.push('OTEL_TRACES_EXPORTER names "file" but AVATAR_TRACE_FILE is not set: no file exporter');
    }
  }
  const standard = names.filter((n) => n !== 'file');
  if (standard.length > 0) {
    // The SDK's own reading of the standard exporters, given the list without ours.
    const saved = process.env.OTEL_TRACES_EXPORTER;
    process.env.OTEL_TRACES_EXPORTER = standard.join(',');
    try {
      const built = getSpanProcessorsFromEnv(undefined);
      processors.push(...built);
      if (built.length > 0) exporters.push(...standard);
    } finally {
      if (saved === undefined) delete process.env.OTEL_TRACES_EXPORTER;
      else process.env.OTEL_TRACES_EXPORTER = saved;
    }
  }
  return { serviceName, exporters, processors, warnings };
}

/**
 * Starts the OpenTelemetry SDK for this process. Without an exporter a provider is
 * still registered (with a processor that drops everything), because the platform's
 * W3C context must keep flowing whether or not anyone collects spans: the gateway
 * continues the caller's trace in its `traceparent` answer, and task rows, jobs and
 * NATS headers carry it on. What is not needed without an exporter is not loaded:
 * only the http instrumentation (server spans = the request's context) runs then;
 * undici, ioredis and pg spans, which only matter to someone reading them, come with
 * an exporter.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env, mainScript: string | undefined = process.argv[1]): TracingPlan & { sdk: NodeSDK } {
  const plan = planTracing(env, mainScript);
  const exporting = plan.processors.length > 0;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() ? undefined : plan.serviceName,
    // OTEL_RESOURCE_ATTRIBUTES (read by the SDK after this) can still override it.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.namespace': 'avatar-platform', 'service.version': APP_VERSION })),
    spanProcessors: exporting ? plan.processors : [new NoopSpanProcessor()],
    // W3C trace context only, unless OTEL_PROPAGATORS says otherwise: a client's
    // `baggage` header is not carried into the platform's messages by default.
    textMapPropagator: env.OTEL_PROPAGATORS ? undefined : new W3CTraceContextPropagator(),
    // Metrics are Prometheus' (prom-client), logs go to stdout: the SDK's own metric
    // and log exporters only when asked for (their default, otlp, would try a collector).
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    instrumentations: instrumentations(exporting),
  });
  sdk.start();
  setRunningTracing({ serviceName: plan.serviceName, shutdown: () => sdk.shutdown() });
  return { ...plan, sdk };
}

function instrumentations(exporting: boolean) {
  const http = new HttpInstrumentation({
    ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
    // Outgoing node-http requests (vendor WebSockets' upgrades) only when spans are read.
    disableOutgoingRequestInstrumentation: !exporting,
    requestHook: (span, request) => {
      if (isIncoming(request)) {
        recordServerSpan(request, span);
        const q = (request.url ?? '').indexOf('?');
        if (q >= 0) span.setAttribute('url.query', redactQuery(request.url!.slice(q + 1)));
      } else {
        const url = `${request.protocol}//${request.host}${request.path}`;
        span.setAttribute('url.full', redactUrl(url));
      }
    },
  });
  if (!exporting) return [http];
  return [
    http,
    new UndiciInstrumentation({
      // Vendor and chat-engine calls made for a request or a task; not background polls.
      requireParentforSpans: true,
      requestHook: (span, request) => {
        const url = `${request.origin}${request.path}`;
        span.setAttribute('url.full', redactUrl(url));
        const q = request.path.indexOf('?');
        if (q >= 0) span.setAttribute('url.query', redactQuery(request.path.slice(q + 1)));
      },
    }),
    // Only inside a request's or a task's span: BullMQ's polling would be a trace per command.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true }),
  ];
}

function isIncoming(request: IncomingMessage | ClientRequest): request is IncomingMessage {
  return typeof (request as IncomingMessage).httpVersion === 'string';
}
