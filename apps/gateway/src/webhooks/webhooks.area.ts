import type { GatewayAreaFactory } from '../gateway-area';

export const webhooksArea: GatewayAreaFactory = () => ({ imports: [], controllers: [], providers: [] });
