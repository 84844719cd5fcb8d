export * from './drain-state';
export * from './probes';
