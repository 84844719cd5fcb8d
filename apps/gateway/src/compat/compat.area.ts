import type { GatewayAreaFactory } from '../gateway-area';
import { CompatController } from './compat.controller';
import { CreateAndStartSessionUseCase } from './use-cases/create-and-start-session.use-case';

/**
 * The Avaturn-compatible API (`/api/v1`): a client written for Avaturn Live works by
 * changing its base URL. It composes the /v1 use cases the gateway module provides
 * (create, start, stop, speak), so sessions, billing, events and limits are /v1's.
 */
export const compatArea: GatewayAreaFactory = () => ({
  controllers: [CompatController],
  providers: [CreateAndStartSessionUseCase],
});
