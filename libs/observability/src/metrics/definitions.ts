/**
 * Every metric the platform exports, in one place: name, type, help, labels. Apps
 * record them through `Metrics` (metrics.ts) by key, never by a name typed again.
 *
 * Label values are bounded sets: route templates (never raw URLs), HTTP methods and
 * status codes, provider names, error codes, outcomes. Tenant, session and task ids
 * are never labels (one series per id would grow without bound).
 */

/** HTTP answers: 5 ms to 30 s (a speak is a few ms; a chat stream or a vendor start takes seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A speech job runs as long as its speech: up to minutes. */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Speak → first event: tens of ms when idle, seconds behind the session's earlier tasks. */
const FIRST_EVENT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

interface Definition<T extends 'counter' | 'gauge' | 'histogram', L extends string> {
  type: T;
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets?: readonly number[];
}

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Definition<'counter', L> => ({ type: 'counter', name, help, labelNames });
const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Definition<'gauge', L> => ({ type: 'gauge', name, help, labelNames });
const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]): Definition<'histogram', L> => ({
  type: 'histogram',
  name,
  help,
  labelNames,
  buckets,
});

/** Prefix of every platform metric, Node's default process metrics included. */
export const METRIC_PREFIX = 'avatar_';

export const METRICS = {
  // Gateway: RED per route.
  httpRequests: counter('avatar_http_requests_total', 'HTTP requests the gateway answered, by route template, method and status code', ['route', 'method', 'status'] as const),
  httpRequestDuration: histogram(
    'avatar_http_request_duration_seconds',
    'Time from receiving an HTTP request to the end of its answer, by route template, method and status code',
    ['route', 'method', 'status'] as const,
    HTTP_BUCKETS,
  ),
  sessionsActive: gauge(
    'avatar_sessions_active',
    'Sessions in status active on the whole platform (all tenants), by provider: read from the database by each gateway (cached 10 s): aggregate with max(), not sum()',
    ['provider'] as const,
  ),
  // Notifier.
  websocketConnections: gauge('avatar_websocket_connections', 'WebSocket connections open on this notifier (all sessions)', [] as const),
  // Worker.
  speechQueueJobs: gauge(
    'avatar_speech_queue_jobs',
    'Jobs in the speech queue (shared by all workers) by state: waiting (due, not taken), active (being run), delayed (parked behind a task of the same session, or backing off): aggregate with max()',
    ['state'] as const,
  ),
  speechJobDuration: histogram(
    'avatar_speech_job_duration_seconds',
    'How long this worker ran a speech job that ended (completed or failed), from taking it to its end, by outcome',
    ['outcome'] as const,
    JOB_BUCKETS,
  ),
  speechTasksSpeaking: gauge('avatar_speech_tasks_speaking', 'Tasks this worker is speaking right now', [] as const),
  speakFirstEvent: histogram(
    'avatar_speak_first_event_seconds',
    'Speak latency: from the speak being queued (its job created by the gateway) to the first event of its first attempt on NATS; event=task_started (task.started published) or first_media (first frame or audio published; none for vendors that stream media themselves)',
    ['provider', 'event'] as const,
    FIRST_EVENT_BUCKETS,
  ),
  providerErrors: counter('avatar_provider_errors_total', 'Vendor calls that failed, by provider, operation (start, speak, keep_alive) and platform error code', ['provider', 'operation', 'code'] as const),
  reaperActions: counter(
    'avatar_reaper_actions_total',
    'Repairs and endings of the background sweeps: the session reaper (action end_session, reason idle_timeout, max_duration, reaped) and the speech reconciler (queue_task, wake_task, announce_ending)',
    ['action', 'reason'] as const,
  ),
} as const;

export type MetricKey = keyof typeof METRICS;
export type MetricKeyOf<T extends 'counter' | 'gauge' | 'histogram'> = { [K in MetricKey]: (typeof METRICS)[K]['type'] extends T ? K : never }[MetricKey];
export type LabelOf<K extends MetricKey> = (typeof METRICS)[K]['labelNames'][number];
