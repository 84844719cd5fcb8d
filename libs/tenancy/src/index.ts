export * from './api-key';
export * from './session-token';
export * from './dev-tenant.seed';
