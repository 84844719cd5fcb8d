import { GatewayConfig } from '@avatar/config';

/** DI token of the gateway's validated configuration. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export type { GatewayConfig };
