export * from './nats-connection';
export * from './json-codec';
export * from './event-publisher';
export * from './command-bus';
export * from './messaging.module';
export * from './redis-connection';
export * from './health-probes';
export * from './session-history';
