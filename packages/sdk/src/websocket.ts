/**
 * The part of the WebSocket API the SDK uses: the browser's WebSocket and the `ws`
 * package (Node) both have it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: { message?: string; error?: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const WS_OPEN = 1;

/** The environment's WebSocket (browsers, Node ≥ 22), if any. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/**
 * The HTTP status that refused the upgrade, when the WebSocket implementation says
 * (`ws` puts it in its error message; browsers never tell).
 */
export function upgradeStatus(event: { message?: string; error?: unknown }): number | undefined {
  const message = event.message ?? (event.error as Error | undefined)?.message ?? '';
  const match = /Unexpected server response: (\d{3})/.exec(message);
  return match ? Number(match[1]) : undefined;
}
