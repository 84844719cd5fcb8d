import { ProcessUsage } from './process-usage';

describe('ProcessUsage', () => {
  it('measures CPU time over the window since the last reading, per available CPU, in %', () => {
    let now = 0;
    let cpu = 0;
    const usage = new ProcessUsage(() => now, () => cpu, 2, 0);
    now = 2000;
    cpu = 1_000_000; // 1 s of CPU in 2 s on 2 CPUs
    expect(usage.cpuUsagePercent()).toBe(25);
    now = 2500;
    cpu = 5_000_000;
    expect(usage.cpuUsagePercent()).toBe(25); // under a second since the last reading: the same figure
    now = 3000;
    expect(usage.cpuUsagePercent()).toBe(200); // 4 s of CPU in 1 s on 2 CPUs (a burst of threads)
  });

  it('gives resident memory as a % of the limit', () => {
    expect(new ProcessUsage().memoryUsagePercent(256 * 1024 * 1024, 1024 * 1024 * 1024)).toBe(25);
  });
});
