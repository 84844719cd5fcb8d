export * from './persistence.module';
export * from './repositories/prisma-client.token';
export * from './repositories/sql-client';
export * from './repositories/sessions.repository';
export * from './repositories/speech-tasks.repository';
export * from './repositories/session-events.repository';
export * from './repositories/tenants.repository';
export * from './database-probe';
