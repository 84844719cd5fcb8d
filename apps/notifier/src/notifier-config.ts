import { NotifierConfig } from '@avatar/config';

/** DI token of the notifier's validated configuration. */
export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');
export type { NotifierConfig };
