import { TerminusModule } from '@nestjs/terminus';
import { ObservabilityModule } from '@avatar/observability';
import type { WorkerAreaFactory } from '../worker-area';
import { HealthController } from '../health/health.controller';
import { MetricsController } from './metrics.controller';
import { SpeechMetrics } from './speech-metrics';

/** Operations: structured logs, the small HTTP port's probes and metrics, the drain state readiness reads. */
export const opsArea: WorkerAreaFactory = (config) => ({
  imports: [ObservabilityModule.forRoot('worker', config), TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [SpeechMetrics],
});
