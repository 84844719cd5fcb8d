import type { GatewayAreaFactory } from '../gateway-area';

export const limitsArea: GatewayAreaFactory = () => ({ imports: [], controllers: [], providers: [] });
