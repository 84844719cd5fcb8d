import { z } from 'zod';

/**
 * `GET /metrics` with `Accept: application/json` on the gateway: the reference's
 * system metrics. Every figure is measured; one that cannot be (no notifier answered,
 * the database is down, no GPU exists here) is null, never a guess. Prometheus text
 * (the default answer) carries the full set.
 */
export const SystemMetricsResponse = z.object({
  /** Sessions in status active, all tenants (database, cached 10 s). */
  active_sessions: z.number().int().nonnegative().nullable(),
  /** Sessions ever created, all tenants (database, cached 10 s). */
  total_sessions: z.number().int().nonnegative().nullable(),
  /** CPU time of this gateway process over the last sampling window (≥ 1 s), in % of the CPUs available to it. */
  cpu_usage: z.number().nonnegative(),
  /** Resident memory of this gateway process, in % of the memory available to it (its cgroup limit, else the machine's). */
  memory_usage: z.number().nonnegative(),
  /** Always null: the platform renders nothing on a GPU (vendors do, on their side). */
  gpu_usage: z.null(),
  /** WebSocket connections open on all notifiers that answered within 250 ms (NATS); null when none answered. */
  websocket_connections: z.number().int().nonnegative().nullable(),
  /** Memory Redis uses (INFO used_memory), as `<n>MB`; null when Redis does not answer. */
  redis_memory: z.string().nullable(),
  /** Mean time this gateway took to answer its last 1024 API requests (probes and scrapes excluded), in ms; null before the first. */
  average_latency: z.number().nonnegative().nullable(),
});
export type SystemMetricsResponse = z.infer<typeof SystemMetricsResponse>;
