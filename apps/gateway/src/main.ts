import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfigSchema, loadConfig } from '@avatar/config';
import { createLogger, DrainState, registerRequestIds } from '@avatar/observability';
import { GatewayModule } from './gateway.module';
import { HttpEdge } from './common/http-edge';
import { HttpMetrics } from './metrics/http-metrics';

async function bootstrap(): Promise<void> {
  const config = loadConfig(GatewayConfigSchema);
  const logger = createLogger('gateway', config);
  const edge = new HttpEdge(config);
  const adapter = new FastifyAdapter(edge.serverOptions());
  edge.attach(adapter.getInstance());
  // X-Request-Id in (when acceptable) and out; every log line of the request carries it.
  registerRequestIds(adapter.getInstance());
  // bodyParser: false — Nest adds no parsers (form-encoded among them): JSON only.
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(config), adapter, { logger, bodyParser: false });
  // Every answer counted and timed (RED), 404s and drain 503s included: hooks added before the server is ready apply to all routes.
  app.get(HttpMetrics).register(adapter.getInstance());
  const drain = app.get(DrainState);

  // Shutdown order: HTTP first (stop accepting, finish in-flight requests, close every
  // connection), then Nest's hooks close Redis, NATS and the database those requests use.
  // Nest's own shutdown hooks would close them first, under requests still running.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Readiness answers 503 from now on (where a request still reaches it).
    drain.begin();
    logger.log(`${signal}: stopping`);
    edge
      .drain(adapter.getInstance())
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error(`shutdown failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST);
  logger.log(`listening on http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
}

bootstrap().catch((err) => {
  console.error(`gateway failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
