// What apps use at run time. The SDK itself (start-tracing, preload) is loaded only by
// the preload; test-tracing only by specs.
export * from './spans';
export * from './server-spans';
export * from './flush-on-shutdown';
export * from './redact-url';
export { runningTracing } from './running';
