// Jest globalTeardown of the e2e project: stops what global-setup.ts started and
// removes its temp dir. Safe to call twice or after a partial setup.
import fs from 'node:fs';
import { takeRunningInfra } from './running-infra';

export default async function globalTeardown(): Promise<void> {
  const running = takeRunningInfra();
  if (!running) return;
  const results = await Promise.allSettled(running.servers.map((server) => server.stop()));
  fs.rmSync(running.tempDir, { recursive: true, force: true });
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`stopping test infra failed: ${failed.map((f) => String(f.reason)).join('; ')}`);
}
