/** Bodies of the commands on `cmd.<tenant>.<session>.<command>` and their replies. */

export interface StartCommand {
  provider: string;
  avatar_id: string;
  voice_id?: string;
  quality: string;
  sdp?: { type: 'offer' | 'answer'; sdp: string };
}
export interface StartReply {
  provider_session_id: string;
  sdp?: { type: 'offer' | 'answer'; sdp: string };
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
}
export type StopReply = InterruptReply;

export interface HaltCommand {
  task_ids: string[];
}

/** Reply of any command that failed: the requester maps it to an error. */
export interface CommandFailure {
  error: { code: string; message: string };
}
