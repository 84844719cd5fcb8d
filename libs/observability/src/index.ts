export * from './trace-context';
export * from './logger';
export * from './health-report';
export * from './health-check';
