import { z } from 'zod';
import { infrastructure, port, positiveInt, sessionTokenSecret, speechRate } from './env-fields';

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
  /** How long the gateway waits for a worker to answer a command. */
  COMMAND_TIMEOUT_MS: positiveInt(5000),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const WorkerConfigSchema = z.object({
  ...infrastructure,
  /** Speech tasks one worker process runs at once (of different sessions): a speaking
   * task mostly waits on timers and I/O, so one process holds many. */
  WORKER_CONCURRENCY: positiveInt(100),
  /** How long a task waits before re-checking its predecessor if nobody wakes it. */
  SPEECH_ORDER_RECHECK_MS: positiveInt(1000),
  /**
   * A worker holds the lock of the task it speaks for this long (renewed at half);
   * if the worker dies, the task is handed to another worker after about this long.
   */
  SPEECH_LOCK_MS: positiveInt(30_000),
  SPEECH_WORDS_PER_MINUTE: speechRate,
  LOCAL_FRAMES_PER_SECOND: positiveInt(25),
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
});
export type NotifierConfig = z.infer<typeof NotifierConfigSchema>;
