export * from './conversation-engine';
export * from './create-conversation-engine';
export { CHAT_PROVIDER } from './openai/chat-failures';
export * from './openai/openai-compatible-engine';
export * from './openai/sse-parser';
export * from './scripted/scripted-engine';
export * from './sentences/sentence-splitter';
