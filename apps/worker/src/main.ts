import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig, WorkerConfigSchema } from '@avatar/config';
import { createLogger } from '@avatar/observability';
import { WorkerModule } from './worker.module';

/** The worker has no HTTP API: a standalone Nest application around its consumers. */
async function bootstrap(): Promise<void> {
  const config = loadConfig(WorkerConfigSchema);
  const logger = createLogger('worker', config);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger });
  app.enableShutdownHooks();
  await app.init();
  logger.log(`processing speech tasks (concurrency ${config.WORKER_CONCURRENCY})`);
}

bootstrap().catch((err) => {
  console.error(`worker failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
