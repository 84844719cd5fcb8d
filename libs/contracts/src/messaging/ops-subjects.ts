/**
 * Operations traffic on NATS (not session traffic): the gateway asks every notifier
 * how many WebSocket connections it holds (`GET /metrics` as JSON) and sums the
 * answers that arrive within a short window. Core NATS request, many replies.
 */
export const NOTIFIER_SOCKETS_SUBJECT = 'ops.notifier.sockets';

/** One notifier's answer. */
export interface NotifierSocketsReply {
  sockets: number;
}
