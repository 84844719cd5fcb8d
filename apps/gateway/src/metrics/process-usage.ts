import { availableParallelism, totalmem } from 'node:os';

/** A sampling window shorter than this reuses the previous figure (a burst of calls measures nothing). */
const MIN_WINDOW_MS = 1000;

/**
 * This process's CPU and memory use, in % of what it may use: CPU time over the last
 * window (≥ 1 s, the first since the process started) per available CPU; resident
 * memory against the cgroup limit (a container's), else the machine's memory.
 */
export class ProcessUsage {
  private last: { at: number; cpuMicros: number };
  private cpuPercent = 0;

  /** The first window starts when the process did, with no CPU time used. */
  constructor(
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
    private readonly cpuMicros: () => number = () => {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },
    private readonly cpus: number = availableParallelism(),
    startedAt: number = performance.timeOrigin,
  ) {
    this.last = { at: startedAt, cpuMicros: 0 };
  }

  cpuUsagePercent(): number {
    const at = this.now();
    if (at - this.last.at >= MIN_WINDOW_MS) {
      const micros = this.cpuMicros();
      this.cpuPercent = ((micros - this.last.cpuMicros) / 1000 / (at - this.last.at) / this.cpus) * 100;
      this.last = { at, cpuMicros: micros };
    }
    return round1(this.cpuPercent);
  }

  memoryUsagePercent(rss = process.memoryUsage.rss(), limit = memoryLimit()): number {
    return round1((rss / limit) * 100);
  }
}

/** The cgroup's memory limit when there is one below the machine's memory, else the machine's. */
function memoryLimit(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return constrained > 0 && constrained < total ? constrained : total;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
