import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this process is shutting down. Readiness answers 503 from the moment the
 * drain starts, so the orchestrator stops sending traffic while in-flight work ends;
 * liveness is untouched (a draining process must not be killed).
 *
 * Set at the very start of Nest's shutdown (onModuleDestroy runs before every
 * beforeApplicationShutdown drain: the worker's speech drain, the notifier's 1012
 * close), and by the gateway's own drain, which stops HTTP before Nest's shutdown.
 */
@Injectable()
export class DrainState implements OnModuleDestroy {
  private startedAt: number | undefined;

  begin(): void {
    this.startedAt ??= Date.now();
  }

  get draining(): boolean {
    return this.startedAt !== undefined;
  }

  /** When the drain started (ms since the epoch), if it did. */
  get since(): number | undefined {
    return this.startedAt;
  }

  onModuleDestroy(): void {
    this.begin();
  }
}
