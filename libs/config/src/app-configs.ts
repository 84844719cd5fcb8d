import { z } from 'zod';
import { audioBuffer, checkNatsCredentials, credentialsKeys, infrastructure, natsCredentials, port, positiveInt, rateLimitsSwitch, sessionTokenSecret, speechRate, url, vendors } from './env-fields';

/** One validated schema per app: what each process needs, nothing more. */

const iceServers = z
  .string()
  .default('[{"urls":"stun:stun.l.google.com:19302"}]')
  .transform((raw, ctx) => {
    try {
      const parsed = z.array(z.object({ urls: z.union([z.string(), z.array(z.string())]) }).loose()).parse(JSON.parse(raw));
      return parsed as Array<{ urls: string | string[]; username?: string; credential?: string }>;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {urls} objects' });
      return z.NEVER;
    }
  });

export const GatewayConfigSchema = z.object({
  ...infrastructure,
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port(8000),
  SESSION_TOKEN_SECRET: sessionTokenSecret,
  SESSION_TOKEN_TTL_SECONDS: positiveInt(3600),
  ICE_SERVERS: iceServers,
  SPEECH_WORDS_PER_MINUTE: speechRate,
  /** How long a gateway trusts an API key it looked up (a revocation announced on NATS ends it at once). */
  API_KEY_CACHE_TTL_MS: positiveInt(600_000),
  /** How long the gateway waits for a worker to answer a command. */
  COMMAND_TIMEOUT_MS: positiveInt(5000),
  // HTTP edge: a client that stalls is cut off (408), an idle connection is closed.
  /** Longest a client may take to send a request's headers. */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(5000),
  /** Longest a client may take to send a whole request (headers and body). */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  /** An idle keep-alive connection is closed after this long. */
  HTTP_KEEPALIVE_TIMEOUT_MS: positiveInt(5000),
  /** On SIGTERM, in-flight requests get at most this long to finish before the last connections are closed. */
  HTTP_DRAIN_TIMEOUT_MS: positiveInt(15_000),
  // Tenancy (docs/adr/0003, 0008).
  /** Bearer token of the admin API (/admin/v1), at least 32 characters; unset = the admin API answers 503. */
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  ...credentialsKeys,
  /** Per-tenant rate limits: on, or off for load tests (never in production). */
  RATE_LIMITS: rateLimitsSwitch,
  /** How long a gateway trusts a tenant's settings (limits, quotas) it read: a backstop, since an admin change is announced and
   * applies at once and a NATS reconnect forgets them all. Long, so the first request after a quiet minute pays no look-up. */
  TENANT_SETTINGS_CACHE_MS: positiveInt(600_000),
  /** How long an Idempotency-Key and its first answer are kept. */
  IDEMPOTENCY_TTL_SECONDS: positiveInt(24 * 3600),
  /** How long a request waits for a concurrent request with the same Idempotency-Key before answering 409. */
  IDEMPOTENCY_WAIT_MS: positiveInt(10_000),
  /** Default grace of a rotated API key: the old secret works this long after rotation. */
  API_KEY_ROTATION_GRACE_SECONDS: positiveInt(24 * 3600),
  // Providers (docs/providers.md): the catalog and "is this vendor configured" are answered here.
  ...vendors,
  /** How long streaming.start waits for the vendor session (vendors retry: LiveAvatar tries 3 times, 10 s each). */
  PROVIDER_START_TIMEOUT_MS: positiveInt(45_000),
  // Chat completions (docs/chat.md): an OpenAI-compatible API, or the offline scripted responder when CHAT_API_URL is unset.
  /** Base URL of an OpenAI-compatible API (`https://api.openai.com/v1`); unset: the offline scripted responder. A tenant's stored `chat` credentials override it. */
  CHAT_API_URL: url(['http', 'https']).optional(),
  CHAT_API_KEY: z.string().min(1).optional(),
  /** The model asked when a request names none. */
  CHAT_MODEL: z.string().min(1).max(128).default('gpt-4o-mini'),
  /** How long the engine may take to send the first token of a reply. */
  CHAT_FIRST_TOKEN_TIMEOUT_MS: positiveInt(20_000),
  /** Longest silence of the engine once a reply streams: then the reply fails (an error event, never a hang). */
  CHAT_STALL_TIMEOUT_MS: positiveInt(15_000),
  /** Messages of the session's conversation sent to the engine with each turn (the latest ones). */
  CHAT_HISTORY_MESSAGES: positiveInt(40),
  /** Longest reply kept and spoken: past it the engine is cut off and the reply ends. */
  CHAT_MAX_REPLY_CHARS: positiveInt(8000),
  // The browser demo (/demo): development only, it hands sessions of one tenant to whoever can load the page.
  /** The tenant whose sessions the demo page creates (`npm start` sets the dev tenant); unset = the demo is off (every /demo route answers 404). Refused with NODE_ENV=production. */
  DEMO_TENANT_ID: z.uuid({ message: 'must be a tenant id (UUID)' }).toLowerCase().optional(),
  /** The notifier's WebSocket base URL as the demo page's browser reaches it (the page opens `<DEMO_WS_URL>/<session_id>`). */
  DEMO_WS_URL: url(['ws', 'wss']).default('ws://localhost:8001/ws'),
}).superRefine((config, ctx) => {
  checkNatsCredentials(config, ctx);
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS' });
  }
  // The demo's session routes take no API key: in production they would give anyone a tenant's sessions.
  if (config.DEMO_TENANT_ID && config.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['DEMO_TENANT_ID'], message: 'must not be set with NODE_ENV=production: the demo gives sessions of that tenant to anyone who can reach the gateway' });
  }
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const WorkerConfigSchema = z.object({
  ...infrastructure,
  /** Speech tasks one worker process runs at once (of different sessions): a speaking
   * task mostly waits on timers and I/O, so one process holds many. */
  WORKER_CONCURRENCY: positiveInt(100),
  /** A dead worker's task is taken over by another worker within this long (job lock + stalled check). */
  SPEECH_TAKEOVER_MS: positiveInt(5000),
  /** How often a speaker asks the database whether an interrupt it missed was requested. */
  SPEECH_INTERRUPT_RECHECK_MS: positiveInt(1000),
  /** How often the reconciler repairs tasks a killed process left behind (and how old they must be). */
  SPEECH_RECONCILE_MS: positiveInt(2000),
  /** On SIGTERM, tasks being spoken get this long to finish before they are handed to another worker. */
  SPEECH_DRAIN_GRACE_MS: positiveInt(5000),
  /** The worker's small HTTP server: /health, /health/live, /health/ready and /metrics (no API). */
  WORKER_HTTP_HOST: z.string().default('127.0.0.1'),
  WORKER_HTTP_PORT: port(8002),
  SPEECH_WORDS_PER_MINUTE: speechRate,
  LOCAL_FRAMES_PER_SECOND: positiveInt(25),
  // Session lifecycle (docs/adr/0007): every worker beats and reaps on this interval.
  /** Seconds without a task or a watching client before a session ends (idle_timeout). */
  SESSION_IDLE_TIMEOUT_SECONDS: positiveInt(120),
  /** Longest a session may run (max_duration): the default, and the ceiling of a request's max_duration. */
  SESSION_MAX_DURATION_SECONDS: positiveInt(3600),
  /** How often each worker records the platform heartbeat and ends due sessions. */
  SESSION_REAPER_INTERVAL_MS: positiveInt(5000),
  /** A heartbeat gap longer than this means the platform was down: sessions active across it end at the last beat (reaped). */
  SESSION_HEARTBEAT_GRACE_MS: positiveInt(15_000),
  ...credentialsKeys,
  /** Webhook deliveries one worker sends at once. */
  WEBHOOK_CONCURRENCY: positiveInt(20),
  /** A webhook receiver that has not answered in this long is a failed attempt. */
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** How long a delivery is retried (with backoff) before it is given up as failed. */
  WEBHOOK_RETRY_HOURS: positiveInt(26),
  /** First retry delay of a failed webhook attempt; each next one doubles, up to an hour (short in tests). */
  WEBHOOK_BACKOFF_BASE_MS: positiveInt(10_000),
  // Providers (docs/providers.md, docs/adr/0012).
  ...vendors,
  /** A stateful vendor session's owner lease: a dead owner's sessions are taken over within this long. */
  OWNER_LEASE_MS: positiveInt(6000),
  /** How often the worker holding the sweep lease sends keep-alives to vendors that end idle sessions (HeyGen). */
  KEEPALIVE_SWEEP_MS: positiveInt(15_000),
  /** Speech synthesis: auto = ElevenLabs where the tenant or platform has its credentials, else espeak-ng; or force one. */
  TTS_ENGINE: z.enum(['auto', 'espeak', 'elevenlabs']).default('auto'),
  /** The local provider's speech: audio (espeak-ng, audio events, timing from the audio) or silent (words per minute, for load tests). */
  LOCAL_SPEECH: z.enum(['audio', 'silent']).default('audio'),
  /** Sample rate of the local provider's audio events. */
  LOCAL_AUDIO_SAMPLE_RATE: z.coerce.number().int().min(8000).max(48_000).default(24_000),
  ...audioBuffer,
}).superRefine((config, ctx) => {
  checkNatsCredentials(config, ctx);
  if (config.SESSION_HEARTBEAT_GRACE_MS < 2 * config.SESSION_REAPER_INTERVAL_MS) {
    const message = `must be at most half of SESSION_HEARTBEAT_GRACE_MS (${config.SESSION_HEARTBEAT_GRACE_MS}): a worker misses beats before the platform counts as down`;
    ctx.addIssue({ code: 'custom', path: ['SESSION_REAPER_INTERVAL_MS'], message });
  }
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export const NotifierConfigSchema = z.object({
  ...infrastructure,
  NOTIFIER_HOST: z.string().default('127.0.0.1'),
  NOTIFIER_PORT: port(8001),
  SESSION_TOKEN_SECRET: sessionTokenSecret,
  COMMAND_TIMEOUT_MS: positiveInt(5000),
  /** Sockets one session may have open on one notifier; the next upgrade gets HTTP 429. */
  WS_MAX_SOCKETS_PER_SESSION: positiveInt(16),
  /** A socket with more than this unsent is lagging: frames and audio are dropped for it (lifecycle events never are). */
  WS_MEDIA_DROP_BYTES: positiveInt(1024 * 1024),
  /** A socket with more than this unsent (lifecycle events alone) is cut off with 1013: it resumes with last_event_id. */
  WS_MAX_BUFFERED_BYTES: positiveInt(16 * 1024 * 1024),
  /** Longest audio one session may buffer (audio_buffer_append) before committing it. */
  AUDIO_BUFFER_MAX_SECONDS: positiveInt(60),
  ...audioBuffer,
}).superRefine((config, ctx) => {
  checkNatsCredentials(config, ctx);
  if (config.WS_MEDIA_DROP_BYTES >= config.WS_MAX_BUFFERED_BYTES) {
    ctx.addIssue({ code: 'custom', path: ['WS_MEDIA_DROP_BYTES'], message: `must be less than WS_MAX_BUFFERED_BYTES (${config.WS_MAX_BUFFERED_BYTES}): media is dropped before a client is cut off` });
  }
});
export type NotifierConfig = z.infer<typeof NotifierConfigSchema>;

/**
 * The admin CLI (`npm run admin`): it talks to the database directly. NATS_URL is
 * optional: with it (the gateways' NATS) a key revocation or tenant disable also
 * reaches every gateway's cache at once. The credentials keys are for `credentials reseal`.
 */
export const AdminCliConfigSchema = z.object({
  DATABASE_URL: url(['postgresql', 'postgres']),
  NATS_URL: url(['nats', 'tls']).optional(),
  /** The admin CLI's own NATS user (`admin`: it may only announce), when that NATS has authentication. */
  ...natsCredentials(),
  ...credentialsKeys,
}).superRefine(checkNatsCredentials);
export type AdminCliConfig = z.infer<typeof AdminCliConfigSchema>;
