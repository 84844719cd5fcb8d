export * from './load-config';
export * from './app-configs';
export { url, port, positiveInt } from './env-fields';
