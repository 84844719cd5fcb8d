import { NotifierConfig, NotifierConfigSchema } from '@avatar/config';

/** DI token of the notifier's validated configuration. */
export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');
export type { NotifierConfig };

/**
 * How much a socket may leave unsent (ADR 0004): over WS_MEDIA_DROP_BYTES its frames
 * and audio are dropped, over WS_MAX_BUFFERED_BYTES it is cut off with 1013.
 * The notifier's config satisfies it as it is.
 */
export type SocketBufferLimits = Pick<NotifierConfig, 'WS_MEDIA_DROP_BYTES' | 'WS_MAX_BUFFERED_BYTES'>;

/** The config's own defaults, for a SessionClient made without limits (tests, tools). */
export const DEFAULT_SOCKET_BUFFER_LIMITS: SocketBufferLimits = {
  WS_MEDIA_DROP_BYTES: NotifierConfigSchema.shape.WS_MEDIA_DROP_BYTES.parse(undefined),
  WS_MAX_BUFFERED_BYTES: NotifierConfigSchema.shape.WS_MAX_BUFFERED_BYTES.parse(undefined),
};
