import { ObservabilityModule } from '@avatar/observability';
import type { GatewayAreaFactory } from '../gateway-area';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { PlatformStats } from './platform-stats';
import { ProcessUsage } from './process-usage';

/** Operations: structured logs, metrics (GET /metrics, RED per route), the drain state readiness reads. */
export const opsArea: GatewayAreaFactory = (config) => ({
  imports: [ObservabilityModule.forRoot('gateway', config)],
  controllers: [MetricsController],
  providers: [HttpMetrics, PlatformStats, { provide: ProcessUsage, useValue: new ProcessUsage() }],
});
