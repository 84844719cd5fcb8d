import { z } from 'zod';
import { ERROR_STATUS, ErrorCode } from '../errors/error-codes';
import { API_PREFIX, RouteContract, RouteTable, V1_ROUTES } from './routes';
import { OPENAPI_EXTRA_TABLES } from './route-tables';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from './limits';
import { SERVER_MESSAGE_DELIVERY_FIELDS, SERVER_MESSAGE_SCHEMAS } from '../events/session-event.schemas';
import { ClientMessage, WS_CLOSE_CODES, WS_LAST_EVENT_ID_PARAM, WS_SAMPLE_RATE_PARAM, WS_TOKEN_PARAM } from '../ws/client-messages';

const ErrorEnvelopeSchema = z.object({
  error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]), message: z.string(), details: z.record(z.string(), z.unknown()) }),
});

const schema = (type: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(type, { io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(route: RouteContract): unknown[] {
  const out: unknown[] = [];
  for (const [where, type] of [['query', route.query], ['path', route.params]] as const) {
    if (!type) continue;
    const properties = (schema(type, 'input').properties ?? {}) as Record<string, unknown>;
    for (const [name, property] of Object.entries(properties)) out.push({ name, in: where, required: where === 'path', schema: property });
  }
  return out;
}

/** Every POST takes an Idempotency-Key (the gateway's IdempotencyInterceptor). */
const IDEMPOTENCY_KEY_PARAMETER = {
  name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, pattern: '^[\\x20-\\x7e]+$' },
  description: 'The same key and request within 24 h answer the first answer (header Idempotent-Replayed: true) without doing the work again',
};
const RATE_LIMIT_RESPONSE_HEADERS = {
  'RateLimit-Limit': { schema: { type: 'integer' }, description: "The tenant's limit for this route per window" },
  'RateLimit-Remaining': { schema: { type: 'integer' }, description: 'Requests left in the current window' },
  'RateLimit-Reset': { schema: { type: 'integer' }, description: 'Seconds until the window ends' },
};
const RATE_LIMITED_HEADERS = { ...RATE_LIMIT_RESPONSE_HEADERS, 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until the window ends' } };

function operation(operationId: string, route: RouteContract, security: RouteTable['security']): Record<string, unknown> {
  const status = route.status ?? 200;
  const content: Record<string, unknown> = { 'application/json': { schema: schema(route.response, 'output') } };
  for (const type of route.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
  const limited = route.errors.includes('RATE_LIMITED');
  const headers = limited ? { headers: RATE_LIMIT_RESPONSE_HEADERS } : {};
  const responses: Record<string, unknown> = { [status]: status === 204 ? { description: 'No Content', ...headers } : { description: 'OK', content, ...headers } };
  const idempotent = route.method === 'POST';
  const errors: ErrorCode[] = idempotent ? [...route.errors, 'IDEMPOTENCY_IN_PROGRESS', 'IDEMPOTENCY_KEY_REUSED'] : route.errors;
  for (const code of errors) {
    const status = String(ERROR_STATUS[code]);
    const existing = responses[status] as { description: string; headers?: unknown } | undefined;
    responses[status] = {
      description: existing ? `${existing.description}, ${code}` : code,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
      ...(code === 'RATE_LIMITED' ? { headers: RATE_LIMITED_HEADERS } : existing?.headers ? { headers: existing.headers } : {}),
    };
  }
  return {
    operationId,
    summary: route.summary,
    security: [{ [security]: [] }],
    ...(route.scope ? { 'x-required-scope': route.scope } : {}),
    parameters: idempotent ? [...parameters(route), IDEMPOTENCY_KEY_PARAMETER] : parameters(route),
    ...(route.body ? { requestBody: { required: false, content: { 'application/json': { schema: schema(route.body, 'input') } } } } : {}),
    responses,
  };
}

/**
 * The WebSocket (`/ws/{session_id}` on the notifier) has no place in OpenAPI's paths: its
 * messages are published as components (ServerMessage, ClientMessage and each event),
 * described by the document's `x-websocket` extension, so SDKs generate their models
 * from one document.
 */
const WEBSOCKET_DESCRIPTION = {
  path: '/ws/{session_id}',
  query: { [WS_TOKEN_PARAM]: "the session's access_token", [WS_LAST_EVENT_ID_PARAM]: 'resume after this event id', [WS_SAMPLE_RATE_PARAM]: 'the socket’s client audio rate' },
  server_messages: { $ref: '#/components/schemas/ServerMessage' },
  client_messages: { $ref: '#/components/schemas/ClientMessage' },
  close_codes: WS_CLOSE_CODES,
};

function webSocketSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, message] of Object.entries(SERVER_MESSAGE_SCHEMAS)) out[name] = schema(message.extend(SERVER_MESSAGE_DELIVERY_FIELDS), 'output');
  out.ServerMessage = {
    oneOf: Object.keys(SERVER_MESSAGE_SCHEMAS).map((name) => ({ $ref: `#/components/schemas/${name}` })),
    discriminator: { propertyName: 'type' },
  };
  out.ClientMessage = schema(ClientMessage, 'input');
  return out;
}

/** The OpenAPI 3.1 document of the public API, built from the contracts themselves. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tables: RouteTable[] = [{ prefix: API_PREFIX, security: 'apiKey', routes: V1_ROUTES }, ...OPENAPI_EXTRA_TABLES];
  for (const table of tables) {
    for (const [key, route] of Object.entries(table.routes)) {
      const path = `/${table.prefix}/${route.path.replace(/:([a-z_]+)/g, '{$1}')}`.replace(/\/$/, '');
      const operationId = table.operationIdPrefix ? `${table.operationIdPrefix}${key[0].toUpperCase()}${key.slice(1)}` : key;
      paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(operationId, route, table.security) };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Avatar Platform API', version },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Tenant API key: Authorization: Bearer <key>' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN: Authorization: Bearer <admin token>' },
      },
      schemas: { ErrorEnvelope: schema(ErrorEnvelopeSchema, 'output'), ...webSocketSchemas() },
    },
    paths,
    'x-websocket': WEBSOCKET_DESCRIPTION,
  };
}
