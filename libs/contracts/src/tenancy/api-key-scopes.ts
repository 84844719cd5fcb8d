/** What an API key may do. A route names the scope it needs; a key without it gets 403 FORBIDDEN. */
export const API_KEY_SCOPES = ['sessions:write', 'sessions:read', 'usage:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
