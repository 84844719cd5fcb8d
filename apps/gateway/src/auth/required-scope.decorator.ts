import { SetMetadata } from '@nestjs/common';
import type { ApiKeyScope } from '@avatar/contracts';

export const REQUIRED_SCOPE = 'avatar:required-scope';

/** The scope an API key needs for this route (the route contract names it). */
export const RequiredScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE, scope);
