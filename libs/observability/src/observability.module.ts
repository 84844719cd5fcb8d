import { DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DrainState } from './health/drain-state';
import { LoggerConfig, loggerParams } from './logger';
import { Metrics } from './metrics/metrics';
import { FlushTracesOnShutdown } from './tracing/flush-on-shutdown';

/**
 * What every app gets for operations: its structured logger wired into Nest (request
 * ids, access lines), its metrics registry (`Metrics`, one per process) and its drain
 * state (`DrainState`, what readiness reads), and the trace exporter's flush at shutdown. Global: use cases inject `Metrics`.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(app: string, config: LoggerConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [LoggerModule.forRoot(loggerParams(app, config))],
      // FlushTracesOnShutdown: the last batched spans go out after the app's drain.
      providers: [{ provide: Metrics, useValue: new Metrics(app) }, DrainState, FlushTracesOnShutdown],
      exports: [Metrics, DrainState],
    };
  }
}
