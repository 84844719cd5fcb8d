// What global-setup.ts hands to global-teardown.ts (same process: Jest lets globals
// set in globalSetup be read in globalTeardown) and the shape of the infra file the
// test workers read.
import type { RunningServer } from '../../scripts/infra';

export const TEMPLATE_DATABASE = 'migrated_template';

export interface TestInfraFile {
  redisUrl: string;
  natsUrl: string;
  postgresUrl: string;
  databaseTemplate: string;
}

interface RunningInfra {
  tempDir: string;
  servers: RunningServer[];
}

const KEY = '__avatarTestInfra__';
const holder = globalThis as typeof globalThis & { [KEY]?: RunningInfra };

export function setRunningInfra(running: RunningInfra): void {
  holder[KEY] = running;
}

export function takeRunningInfra(): RunningInfra | undefined {
  const running = holder[KEY];
  delete holder[KEY];
  return running;
}
