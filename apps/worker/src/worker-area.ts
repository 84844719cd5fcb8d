import type { DynamicModule, ForwardReference, Provider, Type } from '@nestjs/common';
import type { WorkerConfig } from './worker-config';

/** One capability's share of the worker module (quotas, webhooks), wired in WorkerModule. */
export interface WorkerArea {
  imports?: Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Served on the worker's small HTTP port (WORKER_HTTP_PORT): probes and metrics, no API. */
  controllers?: Type[];
  providers?: Provider[];
}
export type WorkerAreaFactory = (config: WorkerConfig) => WorkerArea;
