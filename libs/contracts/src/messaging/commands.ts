/** Bodies of the commands on `cmd.<tenant>.<session>.<command>` and their replies. */

/** A provider to fail over to, with the avatar and voice to use there (else the session's). */
export interface FailoverTarget {
  provider: string;
  avatar_id?: string;
  voice_id?: string;
}

export interface StartCommand {
  provider: string;
  /** Providers to try in turn when `provider` fails with a retryable or capacity error (the tenant's failover list). */
  fallbacks?: FailoverTarget[];
  avatar_id: string;
  voice_id?: string;
  quality: string;
  sdp?: { type: 'offer' | 'answer'; sdp: string };
  /** Vendor options from streaming.new (Avaturn's conversation_engine). */
  provider_options?: Record<string, unknown>;
}
export interface StartReply {
  /** The provider that served (differs from the command's when it failed over), with the avatar and voice used there. */
  provider: string;
  avatar_id: string;
  voice_id?: string;
  provider_session_id: string;
  /** What another worker needs to reach the vendor session: stored with the session. */
  provider_state?: Record<string, string>;
  /** What the user's frontend needs from the vendor (Avaturn's token): returned to the caller. */
  client_session?: Record<string, string>;
  sdp?: { type: 'offer' | 'answer'; sdp: string };
  /** Providers tried first that failed, in order. */
  failed_over?: Array<{ provider: string; code: string; message: string }>;
}

export interface InterruptCommand {
  reason: 'client' | 'session_stopped';
}
export interface InterruptReply {
  interrupted_task_ids: string[];
}

export interface StopCommand {
  reason: string;
}

/** End one vendor session that the platform session does not use (a start that lost a race). */
export interface ReleaseCommand {
  provider: string;
  provider_session_id: string;
  provider_state?: Record<string, string>;
}
export type StopReply = InterruptReply;

export interface HaltCommand {
  task_ids: string[];
}

/** Reply of any command that failed: the requester maps it to an error. */
export interface CommandFailure {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Close this session's vendor connection wherever it is held (broadcast, after stop). */
export interface CloseCommand {
  reason: string;
  /** Only the connection to this vendor session (a release must not close the winning start's connection). */
  provider_session_id?: string;
}

/** Turn the session's buffered client audio into a speech task (one worker). */
export type CommitAudioCommand = Record<string, never>;
export interface CommitAudioReply {
  task_id: string;
  /** Seconds of audio in the task. */
  duration: number;
}

/** The user starts or stops talking: status event, and the vendor's listening state where it has one (broadcast). */
export interface ListenCommand {
  listening: boolean;
}
