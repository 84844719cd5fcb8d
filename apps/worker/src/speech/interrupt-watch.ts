import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SpeechTasksRepository } from '@avatar/persistence';
import { WORKER_CONFIG, WorkerConfig } from '../worker-config';
import { ActiveSpeech } from './active-speech';

/**
 * The speaker's safety net: a `halt` broadcast can be lost (a NATS blip, a worker
 * that subscribed late), so every SPEECH_INTERRUPT_RECHECK_MS this worker asks the
 * database, in one query for all it speaks, whether any of its tasks must stop.
 */
@Injectable()
export class InterruptWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InterruptWatch.name);
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly tasks: SpeechTasksRepository,
    private readonly active: ActiveSpeech,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), this.config.SPEECH_INTERRUPT_RECHECK_MS);
    this.timer.unref();
  }

  async check(): Promise<void> {
    if (this.checking || this.active.size === 0) return;
    this.checking = true;
    try {
      const stop = await this.tasks.mustStop(this.active.taskIds());
      if (stop.length > 0) {
        this.logger.log(`stopping ${stop.length} task(s) whose interrupt had not reached this worker`);
        this.active.abortTasks(stop, 'interrupt');
      }
    } catch (err) {
      this.logger.warn(`interrupt re-check failed: ${(err as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
