import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LabelOf, METRIC_PREFIX, METRICS, MetricKeyOf } from './definitions';

/**
 * The metrics of one process: its own prom-client registry (Node's default process
 * metrics under `avatar_`, every series labelled with the app), and the platform's
 * metrics (definitions.ts), each created on first use, so an app exports only what it
 * records. Nest provides one instance per app (ObservabilityModule); tests make their own.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly created = new Map<string, Counter<string> | Gauge<string> | Histogram<string>>();

  constructor(readonly app: string, options: { processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ app });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  counter<K extends MetricKeyOf<'counter'>>(key: K): Counter<LabelOf<K>> {
    return this.get(key, () => new Counter({ ...this.config(key), registers: [this.registry] })) as Counter<LabelOf<K>>;
  }

  histogram<K extends MetricKeyOf<'histogram'>>(key: K): Histogram<LabelOf<K>> {
    const buckets = METRICS[key].buckets ?? [];
    return this.get(key, () => new Histogram({ ...this.config(key), buckets: [...buckets], registers: [this.registry] })) as Histogram<LabelOf<K>>;
  }

  /**
   * A gauge whose value is read when Prometheus scrapes (the socket count, the queue
   * depth). One reader per gauge: a second is a wiring mistake and throws.
   */
  observe<K extends MetricKeyOf<'gauge'>>(key: K, read: (gauge: Gauge<LabelOf<K>>) => void | Promise<void>): Gauge<LabelOf<K>> {
    if (this.created.has(key)) throw new Error(`metric ${METRICS[key].name} already has a reader`);
    return this.get(key, () => {
      const gauge: Gauge<LabelOf<K>> = new Gauge({ ...this.config(key), registers: [this.registry], collect: () => read(gauge) });
      return gauge;
    }) as Gauge<LabelOf<K>>;
  }

  /** The current samples of one platform metric (none before it is first used): what tests and the JSON metrics read. */
  async values(key: keyof typeof METRICS): Promise<Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>> {
    const metric = this.created.get(key);
    if (!metric) return [];
    return (await metric.get()).values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
  }

  /** The Prometheus text exposition of every metric of this process. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private config<K extends keyof typeof METRICS>(key: K) {
    const { name, help, labelNames } = METRICS[key];
    return { name, help, labelNames: [...labelNames] as string[] };
  }

  private get(key: string, create: () => Counter<string> | Gauge<string> | Histogram<string>) {
    let metric = this.created.get(key);
    if (!metric) {
      metric = create();
      this.created.set(key, metric);
    }
    return metric;
  }
}

/**
 * A reading that costs a query (the database's session counts, the queue's depth):
 * reused for `ttlMs`, given up after `timeoutMs` (a scrape must not hang on a dead
 * dependency). A failed reading is not cached and rejects; the caller decides what
 * the gauge shows then (usually nothing: a missing series, not a made-up value).
 */
export function cachedReading<T>(read: () => Promise<T>, options: { ttlMs: number; timeoutMs: number; now?: () => number }): () => Promise<T> {
  const now = options.now ?? Date.now;
  let cached: { at: number; value: T } | undefined;
  let pending: Promise<T> | undefined;
  return () => {
    if (cached && now() - cached.at < options.ttlMs) return Promise.resolve(cached.value);
    pending ??= withTimeout(read(), options.timeoutMs)
      .then((value) => {
        cached = { at: now(), value };
        return value;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
