export * from './avatar-provider';
export * from './provider-error';
export * from './provider-registry';
export * from './http/vendor-http';
export * from './local/local-provider';
export { estimateSpeechSeconds, visemeTrack, framesOf, VISEMES } from './local/viseme-track';
export type { Viseme, VisemeSegment, SpeechTiming } from './local/viseme-track';
export * from './vendor-config';
