/**
 * What the tracing preload started, for the apps' shutdown (kept apart from the SDK
 * so that importing the observability lib never loads the SDK).
 */
export interface RunningTracing {
  serviceName: string;
  /** Exports what is buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

let running: RunningTracing | undefined;

export function setRunningTracing(value: RunningTracing | undefined): void {
  running = value;
}

export function runningTracing(): RunningTracing | undefined {
  return running;
}
