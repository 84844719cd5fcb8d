import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfigSchema, loadConfig } from '@avatar/config';
import { createLogger } from '@avatar/observability';
import { GatewayModule } from './gateway.module';

/** Request bodies above this are refused (413): a speak text is at most 5000 chars. */
const BODY_LIMIT_BYTES = 256 * 1024;

async function bootstrap(): Promise<void> {
  const config = loadConfig(GatewayConfigSchema);
  const logger = createLogger('gateway', config);
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(config), new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }), {
    logger,
  });
  app.enableShutdownHooks();
  await app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST);
  logger.log(`listening on http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
}

bootstrap().catch((err) => {
  console.error(`gateway failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
