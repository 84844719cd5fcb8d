export * from './heygen-provider';
export { HEYGEN_PROVIDER } from './heygen-api';
export type { HeygenActiveSession } from './heygen-api';
export { classifyHeygen } from './heygen-codes';
