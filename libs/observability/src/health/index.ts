export * from './drain-state';
export * from './probes';
export * from './health-endpoints';
