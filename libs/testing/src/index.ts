// Fixtures for unit specs (never imported by app code).
export * from './session-row.fixture';
export * from './speech-task-row.fixture';
export * from './platform-error';
export * from './event-publisher.fake';
export * from './admin-rows.fixture';
export * from './nats-connection.fake';
export * from './redis-lease.fake';
export * from './fakes/fake-vendor-server';
export * from './fakes/avaturn-fake';
export * from './fakes/heygen-fake';
export * from './fakes/elevenlabs-fake';
export * from './script-redis.fake';
export * from './nats-bus.fake';
export * from './fakes/liveavatar-fake';
export * from './fakes/spatialwalk-fake';
export * from './fakes/openai-chat-fake';
