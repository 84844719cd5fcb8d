import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (docs/adr/0010). Every delivery carries
 *
 *   Webhook-Id:        <delivery id>            (the same on every retry: dedupe on it)
 *   Webhook-Timestamp: <unix seconds>           (when this attempt was signed)
 *   Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * The key is the whole secret string as shown once at creation (`whsec_…`, UTF-8).
 * Signing the timestamp with the body lets a receiver refuse a replayed request: it
 * checks the signature over the raw body bytes, then that the timestamp is recent.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_SIGNATURE_VERSION = 'v1';
/** What we advise receivers to accept between the timestamp and their clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export const WEBHOOK_HEADERS = {
  ID: 'Webhook-Id',
  TIMESTAMP: 'Webhook-Timestamp',
  SIGNATURE: 'Webhook-Signature',
} as const;

/** 256 random bits, base64url: `whsec_` + 43 characters. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The Webhook-Signature header value for this body signed at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  return `${WEBHOOK_SIGNATURE_VERSION}=${digest(secret, timestamp, body).toString('hex')}`;
}

export interface VerifyOptions {
  /** Reject a timestamp further than this from now (seconds); default WEBHOOK_TOLERANCE_SECONDS. */
  toleranceSeconds?: number;
  /** Unix seconds; default the clock. */
  now?: number;
}

/**
 * What a receiver does: true when the header holds a v1 signature of this exact body
 * and timestamp, and the timestamp is within the tolerance. The header may list
 * several signatures separated by spaces (one per secret, should secrets rotate).
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, timestamp: string | undefined, body: string | Buffer, options: VerifyOptions = {}): boolean {
  if (!header || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const expected = digest(secret, ts, body);
  return header
    .split(/[\s,]+/)
    .map((part) => /^v1=([0-9a-f]{64})$/i.exec(part)?.[1])
    .some((hex) => hex !== undefined && timingSafeEqual(Buffer.from(hex, 'hex'), expected));
}

function digest(secret: string, timestamp: number, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * The context a webhook secret is sealed with (CredentialCipher AAD): a sealed secret
 * copied onto another endpoint's or tenant's row does not open.
 */
export function webhookSecretContext(tenantId: string, endpointId: string): string {
  return `webhook:${tenantId}:${endpointId}`;
}
