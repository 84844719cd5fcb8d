export * from './avaturn-provider';
export { AVATURN_PROVIDER } from './avaturn-api';
export type { SpeechClock } from '../speech-clock';
