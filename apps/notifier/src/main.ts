import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, NotifierConfigSchema } from '@avatar/config';
import { createLogger, registerRequestIds } from '@avatar/observability';
import { NotifierModule } from './notifier.module';
import { SessionSocketAdapter } from './socket/session-socket.adapter';
import { SessionHub } from './relay/session-hub';

async function bootstrap(): Promise<void> {
  const config = loadConfig(NotifierConfigSchema);
  const logger = createLogger('notifier', config);
  const adapter = new FastifyAdapter();
  // X-Request-Id in (when acceptable) and out on its HTTP answers (probes, metrics, /health).
  registerRequestIds(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(NotifierModule.register(config), adapter, { logger });
  app.useWebSocketAdapter(new SessionSocketAdapter(app, config.SESSION_TOKEN_SECRET, app.get(SessionHub)));
  app.enableShutdownHooks();
  await app.listen(config.NOTIFIER_PORT, config.NOTIFIER_HOST);
  logger.log(`WebSocket on ws://${config.NOTIFIER_HOST}:${config.NOTIFIER_PORT}/ws/{session_id}`);
}

bootstrap().catch((err) => {
  console.error(`notifier failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
