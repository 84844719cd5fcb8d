import type { GatewayAreaFactory } from '../gateway-area';

export const adminArea: GatewayAreaFactory = () => ({ imports: [], controllers: [], providers: [] });
