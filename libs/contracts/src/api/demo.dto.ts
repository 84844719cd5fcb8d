import { z } from 'zod';
import { CatalogItem } from './catalog.dto';
import { CreateSessionRequest, ProviderName, StopSessionResponse } from './streaming.dto';
import { SpeakRequest } from './speech.dto';

/**
 * The demo page's own little API (`/demo/api`): not part of the public API (no OpenAPI
 * entry, development only), built from the public API's fields
 * so every bound is /v1's (provider names, avatar id, the speak text limit).
 */

/** POST /demo/api/sessions: a body is required (`{}` for the defaults), so a cross-site form or no-cors request, which cannot send JSON, creates nothing. */
export const DemoSessionRequest = CreateSessionRequest.unwrap().pick({ provider: true, avatar_id: true });
export type DemoSessionRequest = z.infer<typeof DemoSessionRequest>;

export interface DemoSessionResponse {
  session_id: string;
  /** The session's WebSocket token: all the page holds (never an API key); it also authorizes the session's /demo/api routes. */
  access_token: string;
  expires_in: number;
  /** The notifier's base URL (DEMO_WS_URL): the page opens `<ws_url>/<session_id>`. */
  ws_url: string;
  /** The provider that serves the session (the requested one, or a failover). */
  provider: string;
}

/** /speak and /chat: one text, as long as avatar.speak takes. */
export const DemoTextRequest = z.strictObject({ text: SpeakRequest.shape.text });
export type DemoTextRequest = z.infer<typeof DemoTextRequest>;

export interface DemoChatResponse {
  /** The agent's whole reply (the page shows it from the `chat` event as well). */
  reply: string;
  finish_reason: string;
  task_ids: string[];
}

export interface DemoCatalogResponse {
  /** Every provider the platform has, and whether the demo tenant can use it. */
  providers: Array<{ name: ProviderName; available: boolean }>;
  /** What the page selects first: local when available. */
  default_provider: ProviderName | null;
  /** Avatars of the available providers. */
  avatars: CatalogItem[];
  /** Available providers whose list could not be read this time. */
  unavailable: Array<{ provider: ProviderName; code: string; message: string }>;
}

export type DemoStopResponse = StopSessionResponse;
