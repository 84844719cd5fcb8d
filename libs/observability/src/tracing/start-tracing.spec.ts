import os from 'node:os';
import path from 'node:path';
import { planTracing } from './start-tracing';
import { serviceNameOf } from './service-name';
import { redactQuery, redactUrl } from './redact-url';
import { FileSpanExporter } from './file-span-exporter';

describe('tracing configuration (standard OTEL_* variables)', () => {
  const main = '/srv/app/dist/apps/worker/src/main.js';
  const file = path.join(os.tmpdir(), 'plan-spans-{service}.jsonl');

  it('exports nothing unless OTEL_TRACES_EXPORTER names an exporter (unset, empty, none)', () => {
    for (const value of [undefined, '', 'none', ' none ']) {
      const plan = planTracing({ OTEL_TRACES_EXPORTER: value }, main);
      expect(plan.processors).toEqual([]);
      expect(plan.exporters).toEqual([]);
      expect(plan.warnings).toEqual([]);
    }
  });

  it('builds the standard exporters with the SDK from the environment, leaving the variable as it was', () => {
    const before = process.env.OTEL_TRACES_EXPORTER;
    const plan = planTracing({ OTEL_TRACES_EXPORTER: 'otlp' }, main);
    expect(plan.exporters).toEqual(['otlp']);
    expect(plan.processors).toHaveLength(1);
    expect(plan.processors[0].constructor.name).toBe('BatchSpanProcessor');
    expect(process.env.OTEL_TRACES_EXPORTER).toBe(before);
  });

  it('writes JSON lines with OTEL_TRACES_EXPORTER=file to AVATAR_TRACE_FILE, alone or beside another exporter', () => {
    const plan = planTracing({ OTEL_TRACES_EXPORTER: 'file,console', AVATAR_TRACE_FILE: file }, main);
    expect(plan.exporters).toEqual(['file', 'console']);
    expect(plan.processors).toHaveLength(2);
    const exporter = (plan.processors[0] as unknown as { _exporter: FileSpanExporter })._exporter;
    expect(exporter.file).toBe(path.join(os.tmpdir(), 'plan-spans-avatar-worker.jsonl'));
  });

  it('warns and exports nothing for file without AVATAR_TRACE_FILE', () => {
    const plan = planTracing({ OTEL_TRACES_EXPORTER: 'file' }, main);
    expect(plan.processors).toEqual([]);
    expect(plan.warnings).toEqual([expect.stringContaining('AVATAR_TRACE_FILE')]);
  });

  it('names the service avatar-<app> from the main script unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(serviceNameOf({}, main)).toBe('avatar-worker');
    expect(serviceNameOf({}, 'dist/apps/gateway/src/main.js')).toBe('avatar-gateway');
    expect(serviceNameOf({ OTEL_SERVICE_NAME: 'edge-eu' }, main)).toBe('edge-eu');
    expect(serviceNameOf({}, '/srv/app/scripts/db/migrate.js')).toBe('avatar-platform');
    expect(serviceNameOf({}, undefined)).toBe('avatar-platform');
  });
});

describe('URLs in span attributes', () => {
  it('keeps query names and drops every value and any user:password', () => {
    expect(redactUrl('wss://vendor.example/v1/ws?session=abc&token=s3cret#x')).toBe('wss://vendor.example/v1/ws?session=REDACTED&token=REDACTED');
    expect(redactUrl('https://user:pw@api.example/path')).toBe('https://REDACTED@api.example/path');
    expect(redactUrl('https://api.example/path')).toBe('https://api.example/path');
    expect(redactUrl('/relative?key=1&flag')).toBe('/relative?key=REDACTED&flag');
    expect(redactQuery('limit=5&api_key=k')).toBe('limit=REDACTED&api_key=REDACTED');
    expect(redactQuery('')).toBe('');
  });
});
