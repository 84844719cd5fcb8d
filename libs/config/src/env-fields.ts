import { z } from 'zod';

/** Field types shared by the per-app schemas: each variable is parsed the same way everywhere. */

export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${protocols.join(' or ')}`);

export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');
export const logLevel = z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log');
/** json (one JSON object per line, for log shippers) or text (readable lines); unset = json when NODE_ENV=production, else text. */
export const logFormat = z.enum(['json', 'text']).optional();

/**
 * NATS_USER / NATS_PASSWORD: the app's own NATS user and password (each app has its own,
 * with its permissions: libs/contracts/src/messaging/permissions.ts). Both or neither
 * (checkNatsCredentials); neither = the user in NATS_URL if any, else no authentication.
 */
export function natsCredentials() {
  return {
    NATS_USER: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or - (it names the inbox prefix _INBOX.<user>)').optional(),
    NATS_PASSWORD: z.string().min(1).optional(),
  };
}

/** For a schema's superRefine: NATS_USER without NATS_PASSWORD (or the reverse) is a mistake, not "no auth". */
export function checkNatsCredentials(config: { NATS_USER?: string; NATS_PASSWORD?: string }, ctx: z.RefinementCtx): void {
  if ((config.NATS_USER === undefined) === (config.NATS_PASSWORD === undefined)) return;
  const missing = config.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD';
  ctx.addIssue({ code: 'custom', path: [missing], message: 'NATS_USER and NATS_PASSWORD go together: set both or neither' });
}

/** Infrastructure every app connects to. */
export const infrastructure = {
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  REDIS_URL: url(['redis', 'rediss']),
  NATS_URL: url(['nats', 'tls']),
  ...natsCredentials(),
  DATABASE_URL: url(['postgresql', 'postgres']),
  /** How long the session event stream keeps events for replay. */
  EVENTS_MAX_AGE_SECONDS: positiveInt(24 * 3600),
};

/** The sessions' client audio buffers (Redis): kept this long after their last change; shared by the notifier (appends) and the worker (commits). */
export const audioBuffer = {
  AUDIO_BUFFER_TTL_SECONDS: positiveInt(600),
};

/** Shared by the gateway (signs) and the notifier (verifies) session access tokens. */
export const sessionTokenSecret = z.string().min(32, 'must be at least 32 characters');

/**
 * CREDENTIALS_KEY: the AES-256-GCM key that seals tenants' vendor credentials and
 * webhook secrets, base64 of 32 bytes. Optional: without it, setting a credential or
 * creating a webhook answers 503. CREDENTIALS_OLD_KEYS (comma-separated, same form)
 * still open what they sealed, so the key can rotate (docs/adr/0008).
 */
export const credentialsKey = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(value), 'must be base64 of 32 random bytes (openssl rand -base64 32)');
export const credentialsKeys = {
  CREDENTIALS_KEY: credentialsKey.optional(),
  CREDENTIALS_OLD_KEYS: z
    .string()
    .default('')
    .transform((raw) => raw.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(credentialsKey)),
};

/** on (the default) or off: off disables the per-tenant rate limits, for load tests only. */
export const rateLimitsSwitch = z.enum(['on', 'off']).default('on');

/** Speaking rate: the gateway estimates durations with it, the local provider speaks at it. */
export const speechRate = positiveInt(150);

/** A JSON array of catalog entries ({id, name, preview_url?}) for a vendor with no list API. */
const catalogEntries = z
  .string()
  .default('[]')
  .transform((raw, ctx) => {
    try {
      return z
        .array(z.strictObject({ id: z.string().min(1).max(128), name: z.string().min(1).max(200), preview_url: z.url().optional() }))
        .max(1000)
        .parse(JSON.parse(raw));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {id, name, preview_url?} objects' });
      return z.NEVER;
    }
  });

const httpUrl = (fallback: string) => url(['http', 'https']).default(fallback);

/**
 * The vendors (docs/providers.md): each base URL overridable (tests point them at
 * local fakes), each key optional. A tenant's stored credentials win over these; a
 * vendor with neither is listed as unavailable.
 */
export const vendors = {
  AVATURN_API_URL: httpUrl('https://api.avaturn.live'),
  AVATURN_API_KEY: z.string().min(1).optional(),
  /** Avaturn has no avatar list API: the avatars to offer in the catalog. */
  AVATURN_AVATARS: catalogEntries,
  LIVEAVATAR_API_URL: httpUrl('https://api.liveavatar.com'),
  LIVEAVATAR_API_KEY: z.string().min(1).optional(),
  HEYGEN_API_URL: httpUrl('https://api.heygen.com'),
  HEYGEN_API_KEY: z.string().min(1).optional(),
  SPATIALWALK_CONSOLE_URL: httpUrl('https://console.us-west.spatialwalk.cloud/v1/console'),
  SPATIALWALK_INGRESS_URL: httpUrl('https://api.us-west.spatialwalk.cloud/v2/driveningress'),
  SPATIALWALK_API_KEY: z.string().min(1).optional(),
  SPATIALWALK_APP_ID: z.string().min(1).optional(),
  /** SpatialWalk has no avatar list API: the avatars to offer in the catalog. */
  SPATIALWALK_AVATARS: catalogEntries,
  ELEVENLABS_API_URL: httpUrl('https://api.elevenlabs.io'),
  ELEVENLABS_API_KEY: z.string().min(1).optional(),
  /** How long the avatar and voice catalog of a tenant is cached. */
  CATALOG_CACHE_SECONDS: positiveInt(300),
};
