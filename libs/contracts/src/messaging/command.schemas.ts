import { z } from 'zod';
import type {
  CloseCommand, CommandFailure, CommitAudioCommand, CommitAudioReply, FailoverTarget, HaltCommand, InterruptCommand, InterruptReply, ListenCommand,
  ReleaseCommand, StartCommand, StartReply, StopCommand, StopReply,
} from './commands';
import { OwnerSpeakCommand } from './owner-speech';
import { COMMANDS, Command } from './subjects';

/**
 * The bodies of `cmd.<tenant>.<session>.<command>` and their replies as schemas: the
 * worker parses every command it receives with them, the requester every reply
 * (libs/messaging CommandBus), so nothing that arrives over NATS is used on a cast.
 * The interfaces in commands.ts stay the types the apps use; `Same` below makes the
 * compiler refuse a schema that drifts from its interface, in either direction.
 * Unknown fields are dropped (z.object), bounds keep one message from carrying more
 * than a command can mean.
 */

const id = z.string().min(1).max(256);
const name = z.string().min(1).max(128);
const reason = z.string().max(256);
const stringMap = z.record(z.string().max(256), z.string().max(16_384));
const details = z.record(z.string(), z.unknown());
const sdp = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().max(100_000) });
const failoverTarget = z.object({ provider: name, avatar_id: id.optional(), voice_id: id.optional() });

export const COMMAND_BODY_SCHEMAS = {
  StartCommand: z.object({
    provider: name,
    fallbacks: z.array(failoverTarget).max(16).optional(),
    avatar_id: id,
    voice_id: id.optional(),
    quality: name,
    sdp: sdp.optional(),
    provider_options: details.optional(),
  }),
  InterruptCommand: z.object({ reason: z.enum(['client', 'session_stopped']) }),
  StopCommand: z.object({ reason }),
  ReleaseCommand: z.object({ provider: name, provider_session_id: id, provider_state: stringMap.optional() }),
  HaltCommand: z.object({ task_ids: z.array(id).max(10_000) }),
  CloseCommand: z.object({ reason, provider_session_id: id.optional() }),
  CommitAudioCommand: z.object({}),
  ListenCommand: z.object({ listening: z.boolean() }),
} as const;

export const COMMAND_REPLY_SCHEMAS = {
  StartReply: z.object({
    provider: name,
    avatar_id: id,
    voice_id: id.optional(),
    provider_session_id: id,
    provider_state: stringMap.optional(),
    client_session: stringMap.optional(),
    sdp: sdp.optional(),
    failed_over: z.array(z.object({ provider: name, code: z.string().max(128), message: z.string().max(4096) })).max(16).optional(),
  }),
  InterruptReply: z.object({ interrupted_task_ids: z.array(id).max(10_000) }),
  StopReply: z.object({ interrupted_task_ids: z.array(id).max(10_000) }),
  CommitAudioReply: z.object({ task_id: id, duration: z.number().min(0) }),
  /** What a failed command answers instead of its reply. */
  CommandFailure: z.object({ error: z.object({ code: z.string().min(1).max(128), message: z.string().max(4096), details: details.optional() }) }),
} as const;

/** The owner's answer to a speak request: it took the task (media follows on the asker's inbox). */
const SpeakAccepted = z.object({ accepted: z.literal(true) });
/** A command answered with nothing (`{}`) when it was sent as a request. */
const NoReply = z.object({});

/** Each command's body. */
export const COMMAND_SCHEMAS: Record<Command, z.ZodType> = {
  [COMMANDS.START]: COMMAND_BODY_SCHEMAS.StartCommand,
  [COMMANDS.INTERRUPT]: COMMAND_BODY_SCHEMAS.InterruptCommand,
  [COMMANDS.STOP]: COMMAND_BODY_SCHEMAS.StopCommand,
  [COMMANDS.RELEASE]: COMMAND_BODY_SCHEMAS.ReleaseCommand,
  [COMMANDS.HALT]: COMMAND_BODY_SCHEMAS.HaltCommand,
  [COMMANDS.CLOSE]: COMMAND_BODY_SCHEMAS.CloseCommand,
  [COMMANDS.SPEAK]: OwnerSpeakCommand,
  [COMMANDS.COMMIT_AUDIO]: COMMAND_BODY_SCHEMAS.CommitAudioCommand,
  [COMMANDS.LISTEN]: COMMAND_BODY_SCHEMAS.ListenCommand,
};

/** Each command's reply when it succeeded (a failure is CommandFailure, whatever the command). */
export const COMMAND_REPLY_SCHEMA: Record<Command, z.ZodType> = {
  [COMMANDS.START]: COMMAND_REPLY_SCHEMAS.StartReply,
  [COMMANDS.INTERRUPT]: COMMAND_REPLY_SCHEMAS.InterruptReply,
  [COMMANDS.STOP]: COMMAND_REPLY_SCHEMAS.StopReply,
  [COMMANDS.RELEASE]: NoReply,
  [COMMANDS.HALT]: NoReply,
  [COMMANDS.CLOSE]: NoReply,
  [COMMANDS.SPEAK]: SpeakAccepted,
  [COMMANDS.COMMIT_AUDIO]: COMMAND_REPLY_SCHEMAS.CommitAudioReply,
  [COMMANDS.LISTEN]: NoReply,
};

export function isCommand(value: string): value is Command {
  return (Object.values(COMMANDS) as string[]).includes(value);
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
interface Interfaces {
  StartCommand: StartCommand;
  InterruptCommand: InterruptCommand;
  StopCommand: StopCommand;
  ReleaseCommand: ReleaseCommand;
  HaltCommand: HaltCommand;
  CloseCommand: CloseCommand;
  CommitAudioCommand: CommitAudioCommand;
  ListenCommand: ListenCommand;
  StartReply: StartReply;
  InterruptReply: InterruptReply;
  StopReply: StopReply;
  CommitAudioReply: CommitAudioReply;
  CommandFailure: CommandFailure;
}
type Schemas = typeof COMMAND_BODY_SCHEMAS & typeof COMMAND_REPLY_SCHEMAS;
// Compile-time only: a schema that no longer matches its interface makes its entry
// `false`, and `true` no longer type-checks here.
const SCHEMAS_MATCH_INTERFACES: { [K in keyof Schemas]: K extends keyof Interfaces ? Same<z.infer<Schemas[K]>, Interfaces[K]> : false } = {
  StartCommand: true,
  InterruptCommand: true,
  StopCommand: true,
  ReleaseCommand: true,
  HaltCommand: true,
  CloseCommand: true,
  CommitAudioCommand: true,
  ListenCommand: true,
  StartReply: true,
  InterruptReply: true,
  StopReply: true,
  CommitAudioReply: true,
  CommandFailure: true,
};
void SCHEMAS_MATCH_INTERFACES;
const FAILOVER_TARGET_MATCHES: Same<z.infer<typeof failoverTarget>, FailoverTarget> = true;
void FAILOVER_TARGET_MATCHES;
