import { z } from 'zod';
import { ERROR_STATUS, ErrorCode } from '../errors/error-codes';
import { API_PREFIX, RouteContract, RouteTable, V1_ROUTES } from './routes';
import { OPENAPI_EXTRA_TABLES } from './route-tables';

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

function operation(route: RouteContract, security: RouteTable['security']): Record<string, unknown> {
  const status = route.status ?? 200;
  const content: Record<string, unknown> = { 'application/json': { schema: schema(route.response, 'output') } };
  for (const type of route.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
  const responses: Record<string, unknown> = { [status]: status === 204 ? { description: 'No Content' } : { description: 'OK', content } };
  for (const code of route.errors) {
    const status = String(ERROR_STATUS[code]);
    const existing = responses[status] as { description: string } | undefined;
    responses[status] = {
      description: existing ? `${existing.description}, ${code}` : code,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
    };
  }
  return {
    summary: route.summary,
    security: [{ [security]: [] }],
    ...(route.scope ? { 'x-required-scope': route.scope } : {}),
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: false, content: { 'application/json': { schema: schema(route.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the public API, built from the contracts themselves. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tables: RouteTable[] = [{ prefix: API_PREFIX, security: 'apiKey', routes: V1_ROUTES }, ...OPENAPI_EXTRA_TABLES];
  for (const table of tables) {
    for (const route of Object.values(table.routes)) {
      const path = `/${table.prefix}/${route.path.replace(/:([a-z_]+)/g, '{$1}')}`.replace(/\/$/, '');
      paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route, table.security) };
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
      schemas: { ErrorEnvelope: schema(ErrorEnvelopeSchema, 'output') },
    },
    paths,
  };
}
