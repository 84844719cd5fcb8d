import { z } from 'zod';
import { CreateSessionRequest } from './streaming.dto';
import { SpeakRequest } from './speech.dto';

/**
 * Request and response shapes of the Avaturn-compatible API (`/api/v1`), as Avaturn
 * Live's own clients send and read them. Every field is the /v1 field it stands for
 * (same bounds, same conversation_engine), so the two APIs cannot drift apart.
 */

/**
 * `POST /api/v1/sessions`: Avaturn's optional body. No body, an empty body and `{}` all
 * mean the defaults (its reference client posts none). Other fields are refused, as
 * on /v1: a field we would silently ignore is a setting the client thinks it made.
 */
export const CompatCreateSessionRequest = CreateSessionRequest.unwrap().pick({ avatar_id: true, conversation_engine: true }).default({});
export type CompatCreateSessionRequest = z.infer<typeof CompatCreateSessionRequest>;

export const CompatCreateSessionResponse = z.object({
  session_id: z.uuid(),
  /** The platform's session token: opens `/ws/{session_id}?token=…` (streaming.new's access_token). */
  token: z.string(),
});
export type CompatCreateSessionResponse = z.infer<typeof CompatCreateSessionResponse>;

/** `POST /api/v1/sessions/{id}/tasks`: the text to say (avatar.speak's text, same bounds). */
export const CompatTaskRequest = SpeakRequest.pick({ text: true });
export type CompatTaskRequest = z.infer<typeof CompatTaskRequest>;

export const CompatTaskResponse = z.object({ task_id: z.uuid() });
export type CompatTaskResponse = z.infer<typeof CompatTaskResponse>;
