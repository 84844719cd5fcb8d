/**
 * The platform's public shapes, imported from the contracts lib (never retyped). Type-only:
 * nothing of libs/contracts (nor zod) reaches the SDK's JavaScript bundles. The relative
 * path (not the monorepo's `@avatar/contracts` alias) keeps the emitted declarations
 * resolvable inside the published package (dist/types mirrors the repo's layout).
 */
import type { z } from 'zod';
import type {
  AvatarsResponse, CatalogQuery, ChatCompletionChunk, ChatFinishReason, ClientEventMessage, CreateSessionRequest as CreateSessionSchema,
  CreateSessionResponse, ErrorEnvelope, InterruptResponse, ListProvidersResponse, ListSessionsQuery as ListSessionsSchema, ListSessionsResponse,
  SessionHistoryResponse, SessionTokenResponse, SpeakRequest as SpeakSchema, SpeakResponse, StartSessionResponse, StopSessionResponse,
  TaskResponse, VoicesResponse, V1_ROUTES, WS_CLOSE_CODES, WS_TOKEN_PARAM, WS_LAST_EVENT_ID_PARAM, WS_SAMPLE_RATE_PARAM, AudioBufferClearedMessage, AudioBufferCommittedMessage, SessionEvent,
} from '../../../libs/contracts/src';

export type {
  AvatarsResponse, ChatCompletionChunk, ChatFinishReason, ClientEventMessage, CreateSessionResponse, ErrorEnvelope, InterruptResponse,
  ListProvidersResponse, ListSessionsResponse, SessionHistoryResponse, SessionTokenResponse, SpeakResponse, StartSessionResponse,
  StopSessionResponse, TaskResponse, VoicesResponse, AudioBufferClearedMessage, AudioBufferCommittedMessage, SessionEvent,
};
export type {
  FrameEvent, AudioEvent, ChatEvent, StatusEvent, ErrorEvent, TaskStartedEvent, TaskCompletedEvent, TaskInterruptedEvent,
  TaskFailedEvent, SessionStartedEvent, SessionStoppedEvent, AvatarStatus, ProviderName,
} from '../../../libs/contracts/src';

/** What a request may send (defaults filled by the server are optional here). */
export type CreateSessionRequest = z.input<typeof CreateSessionSchema>;
export type SpeakOptions = Omit<z.input<typeof SpeakSchema>, 'session_id' | 'text'>;
export type ListSessionsQuery = Partial<Record<keyof z.input<typeof ListSessionsSchema>, string | number>>;
export type AvatarCatalogQuery = z.input<typeof CatalogQuery>;

export type V1Routes = typeof V1_ROUTES;
export type WsCloseCodes = typeof WS_CLOSE_CODES;
export type WsParams = { token: typeof WS_TOKEN_PARAM; lastEventId: typeof WS_LAST_EVENT_ID_PARAM; sampleRate: typeof WS_SAMPLE_RATE_PARAM };

/** Every message the server sends on the session's socket, with its id and session_id. */
export type ServerMessage =
  | ClientEventMessage
  | ((AudioBufferCommittedMessage | AudioBufferClearedMessage) & { id: number; session_id: string });
