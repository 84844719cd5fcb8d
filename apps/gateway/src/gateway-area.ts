import type { DynamicModule, ForwardReference, Provider, Type } from '@nestjs/common';
import type { GatewayConfig } from './gateway-config';

/** One capability's share of the gateway module (admin API, limits, usage, webhooks), wired in GatewayModule. */
export interface GatewayArea {
  imports?: Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  controllers?: Type[];
  providers?: Provider[];
}
export type GatewayAreaFactory = (config: GatewayConfig) => GatewayArea;
