import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Metrics } from '@avatar/observability';

/** Route label of a request no route matched (404s, refused before routing): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';
/** How many recent API answers the JSON `average_latency` averages. */
export const RECENT_REQUESTS = 1024;
/** Probes and scrapes are counted in the RED metrics but not in the API's average latency. */
const NOT_API = /^\/(health|metrics)(\/|$)/;

/**
 * RED metrics of the gateway: every answer counted and timed by route template,
 * method and status (a Fastify onResponse hook, so 404s, 415s and drain 503s count
 * too), and the last RECENT_REQUESTS API durations for the JSON metrics' average.
 */
@Injectable()
export class HttpMetrics {
  private readonly requests;
  private readonly durations;
  private readonly recent = new Float64Array(RECENT_REQUESTS);
  private recorded = 0;

  constructor(metrics: Metrics) {
    this.requests = metrics.counter('httpRequests');
    this.durations = metrics.histogram('httpRequestDuration');
  }

  /** Installs the hook: call before the server is ready (Fastify applies hooks to every route then). */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      this.record(request, reply);
      done();
    });
  }

  record(request: Pick<FastifyRequest, 'method' | 'routeOptions'>, reply: Pick<FastifyReply, 'statusCode' | 'elapsedTime'>): void {
    const route = request.routeOptions?.url || UNMATCHED_ROUTE;
    const labels = { route, method: request.method, status: String(reply.statusCode) };
    const ms = reply.elapsedTime;
    this.requests.inc(labels);
    this.durations.observe(labels, ms / 1000);
    if (!NOT_API.test(route)) this.recent[this.recorded++ % RECENT_REQUESTS] = ms;
  }

  /** Mean duration (ms) of the last RECENT_REQUESTS API answers; null before the first. */
  averageLatencyMs(): number | null {
    const n = Math.min(this.recorded, RECENT_REQUESTS);
    if (n === 0) return null;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.recent[i];
    return sum / n;
  }
}
