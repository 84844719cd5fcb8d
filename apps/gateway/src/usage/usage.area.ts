import type { GatewayAreaFactory } from '../gateway-area';

export const usageArea: GatewayAreaFactory = () => ({ imports: [], controllers: [], providers: [] });
