import { openApiDocument } from './openapi';
import { V1_ROUTES } from './routes';
import { EVENT_TYPES } from '../events/session-events';
import { CLIENT_MESSAGE_TYPES } from '../ws/client-messages';

type Doc = { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, any> }; 'x-websocket': any };
const doc = openApiDocument('test') as unknown as Doc;
const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));

describe('the OpenAPI document SDKs are generated from', () => {
  it('names every operation with a unique operationId: /v1 routes by their route key, other tables with their prefix', () => {
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/streaming.new'].post.operationId).toBe('createSession');
    expect(ids).toEqual(expect.arrayContaining(Object.keys(V1_ROUTES)));
    expect(doc.paths['/api/v1/sessions'].post.operationId).toBe('avaturnCreateSession');
    expect(ids.filter((id) => id.startsWith('admin')).length).toBeGreaterThan(10);
  });

  it('publishes every WebSocket server message (with id and session_id) and the client messages', () => {
    const server = doc.components.schemas.ServerMessage.oneOf.map((ref: { $ref: string }) => doc.components.schemas[ref.$ref.split('/').pop()!]);
    const types = server.map((s: any) => s.properties.type.const);
    expect(types).toEqual(expect.arrayContaining([...Object.values(EVENT_TYPES), 'audio_buffer.committed', 'audio_buffer.cleared']));
    for (const message of server) expect(message.required).toEqual(expect.arrayContaining(['type', 'id', 'session_id']));
    expect(doc.components.schemas.FrameEvent.required).toEqual(expect.arrayContaining(['viseme', 'data', 'mime_type', 'frame_id']));
    const clientTypes = doc.components.schemas.ClientMessage.oneOf.map((s: any) => s.properties.type.const);
    expect(clientTypes.sort()).toEqual([...CLIENT_MESSAGE_TYPES].sort());
    expect(doc['x-websocket'].path).toBe('/ws/{session_id}');
  });
});
