import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { runningTracing } from './running';

/** The longest the last export may hold an app's exit (a collector that is down must not eat the termination grace). */
export const TRACE_FLUSH_TIMEOUT_MS = 2000;

/**
 * Exports the spans still buffered when the app stops. A Nest shutdown hook, so it runs
 * after the drain (beforeApplicationShutdown: HTTP, speech tasks, sockets) and never
 * delays it; no signal handler of its own (one would keep Nest's re-raised SIGTERM
 * from ending the process).
 */
@Injectable()
export class FlushTracesOnShutdown implements OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');

  async onApplicationShutdown(): Promise<void> {
    await flushTraces(TRACE_FLUSH_TIMEOUT_MS).catch((err: Error) => this.logger.warn(`spans not exported at shutdown: ${err.message}`));
  }
}

export async function flushTraces(timeoutMs: number): Promise<void> {
  const running = runningTracing();
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`export did not finish within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([running.shutdown(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
