import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, WorkerConfigSchema } from '@avatar/config';
import { createLogger, registerRequestIds } from '@avatar/observability';
import { WorkerModule } from './worker.module';

/**
 * The worker has no HTTP API: its consumers, and a small HTTP port for the
 * orchestrator (GET /health, /health/live, /health/ready, /metrics). The port stays
 * open through the drain (readiness answers 503 then) and closes after it.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfig(WorkerConfigSchema);
  const logger = createLogger('worker', config);
  const adapter = new FastifyAdapter();
  registerRequestIds(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.register(config), adapter, { logger });
  app.enableShutdownHooks();
  await app.listen(config.WORKER_HTTP_PORT, config.WORKER_HTTP_HOST);
  logger.log(`probes and metrics on http://${config.WORKER_HTTP_HOST}:${config.WORKER_HTTP_PORT}`);
  logger.log(`processing speech tasks (concurrency ${config.WORKER_CONCURRENCY})`);
}

bootstrap().catch((err) => {
  console.error(`worker failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
