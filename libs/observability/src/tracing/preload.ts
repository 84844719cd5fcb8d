/**
 * OpenTelemetry for an app, started before anything else is loaded (the
 * instrumentations patch http, undici, ioredis and pg as they are first required):
 *
 *   node --require ./dist/libs/observability/src/tracing/preload.js dist/apps/<app>/src/main.js
 *
 * Configured only by the standard OTEL_* variables (start-tracing.ts): spans are
 * exported only when OTEL_TRACES_EXPORTER names an exporter; OTEL_SDK_DISABLED=true
 * loads nothing at all. Tracing never stops an app from starting: a failure here is
 * reported and the app runs untraced.
 */
function disabled(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function report(level: 'info' | 'warn' | 'error', message: string): void {
  const json = process.env.LOG_FORMAT === 'json' || (process.env.LOG_FORMAT !== 'pretty' && process.env.NODE_ENV === 'production');
  process.stderr.write(json ? `${JSON.stringify({ level, time: Date.now(), context: 'Tracing', msg: message })}\n` : `[Tracing] ${message}\n`);
}

if (!disabled(process.env.OTEL_SDK_DISABLED)) {
  try {
    // Required here, not imported: with OTEL_SDK_DISABLED nothing of the SDK is loaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTracing } = require('./start-tracing') as typeof import('./start-tracing');
    const started = startTracing();
    for (const warning of started.warnings) report('warn', warning);
    if (started.exporters.length > 0) report('info', `${started.serviceName}: spans exported to ${started.exporters.join(', ')}`);
  } catch (err) {
    report('error', `tracing not started, the app runs untraced: ${err instanceof Error ? err.message : String(err)}`);
  }
}
