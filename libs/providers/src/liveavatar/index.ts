export { LiveAvatarProvider, LIVEAVATAR_DEFAULT_API_URL, LIVEAVATAR_RETRY_RULE, LIVEAVATAR_KEEP_ALIVE_MS } from './liveavatar-provider';
export type { LiveAvatarProviderOptions } from './liveavatar-provider';
export { LIVEAVATAR_PROVIDER } from './liveavatar-api';
export { DEFAULT_AUDIO_CHUNKING } from './audio-chunks';
export type { AudioChunking } from './audio-chunks';
