import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { CloseCommand, COMMANDS, CommitAudioCommand, CommitAudioReply, HaltCommand, ListenCommand, InterruptCommand, InterruptReply, ReleaseCommand, StartCommand, StartReply, StopCommand, StopReply } from '@avatar/contracts';
import { CommandBus } from '@avatar/messaging';
import { ActiveSpeech } from '../speech/active-speech';
import { ProviderConnections } from '../providers/provider-connections';
import { StartProviderSessionUseCase } from './use-cases/start-provider-session.use-case';
import { InterruptSessionUseCase } from './use-cases/interrupt-session.use-case';
import { StopProviderSessionUseCase } from './use-cases/stop-provider-session.use-case';
import { ReleaseProviderSessionUseCase } from './use-cases/release-provider-session.use-case';
import { CommitAudioUseCase } from '../audio/commit-audio.use-case';

/**
 * Session commands from NATS. start/interrupt/stop/release/commit_audio go to one worker
 * (queue group); halt, close and listen reach every worker, so the one speaking the task
 * stops it and the one holding the session's vendor connection closes it or tells it.
 */
@Injectable()
export class SessionCommandsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionCommandsConsumer.name);
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly commands: CommandBus,
    private readonly startSession: StartProviderSessionUseCase,
    private readonly interruptSession: InterruptSessionUseCase,
    private readonly stopSession: StopProviderSessionUseCase,
    private readonly releaseSession: ReleaseProviderSessionUseCase,
    private readonly active: ActiveSpeech,
    private readonly connections: ProviderConnections,
    private readonly commitAudio: CommitAudioUseCase,
  ) {}

  onApplicationBootstrap(): void {
    const onError = (err: unknown) => this.logger.error(`command failed: ${(err as Error)?.message ?? err}`);
    this.subscriptions = [
      this.commands.handle<StartCommand, StartReply>(COMMANDS.START, true, (scope, body) => this.startSession.execute(scope, body), onError),
      this.commands.handle<InterruptCommand, InterruptReply>(COMMANDS.INTERRUPT, true, (scope, body) => this.interruptSession.execute(scope, body), onError),
      this.commands.handle<StopCommand, StopReply>(
        COMMANDS.STOP,
        true,
        async (scope, body) => {
          const reply = await this.stopSession.execute(scope, body);
          await this.connections.close(scope.sessionId);
          return reply;
        },
        onError,
      ),
      this.commands.handle<ReleaseCommand, void>(COMMANDS.RELEASE, true, (scope, body) => this.releaseSession.execute(scope, body), onError),
      this.commands.handle<HaltCommand, void>(COMMANDS.HALT, false, async (scope, body) => void this.active.abort(scope.sessionId, body.task_ids), onError),
      // The owner of the session's vendor connection (if any is held here) closes it.
      this.commands.handle<CloseCommand, void>(COMMANDS.CLOSE, false, async (scope, body) => this.connections.close(scope.sessionId, body.provider_session_id), onError),
      this.commands.handle<CommitAudioCommand, CommitAudioReply>(COMMANDS.COMMIT_AUDIO, true, (scope) => this.commitAudio.execute(scope), onError),
      // The holder of the session's vendor connection tells a vendor that has a listening state.
      this.commands.handle<ListenCommand, void>(COMMANDS.LISTEN, false, (scope, body) => this.connections.setListening(scope.sessionId, body.listening === true), onError),
    ];
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}
