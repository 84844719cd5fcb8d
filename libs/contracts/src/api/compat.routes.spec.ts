import { openApiDocument } from './openapi';
import { COMPAT_ROUTES } from './compat.routes';
import { V1_ROUTES } from './routes';

describe('Avaturn-compatible route table', () => {
  const doc = openApiDocument('test') as { paths: Record<string, Record<string, any>> };

  it('is described in the OpenAPI document under /api/v1 with the tenant API key and the /v1 scopes', () => {
    const create = doc.paths['/api/v1/sessions'].post;
    const task = doc.paths['/api/v1/sessions/{session_id}/tasks'].post;
    const remove = doc.paths['/api/v1/sessions/{session_id}'].delete;
    for (const op of [create, task, remove]) {
      expect(op.security).toEqual([{ apiKey: [] }]);
      expect(op['x-required-scope']).toBe('sessions:write');
    }
    expect(task.requestBody.content['application/json'].schema.required).toEqual(['text']);
    expect(task.parameters).toContainEqual(expect.objectContaining({ name: 'session_id', in: 'path', required: true }));
    expect(Object.keys(create.responses['200'].content['application/json'].schema.properties).sort()).toEqual(['session_id', 'token']);
  });

  it('documents what the /v1 calls each one equals can answer', () => {
    // create = streaming.new + streaming.start: quotas and limits, and every vendor failure of the start.
    expect(COMPAT_ROUTES.createSession.errors).toEqual(expect.arrayContaining(['RATE_LIMITED', 'QUOTA_EXCEEDED', 'PROVIDER_UNAVAILABLE', 'PROVIDER_AUTH_FAILED', 'PAYLOAD_TOO_LARGE']));
    expect(COMPAT_ROUTES.createSession.errors).not.toContain('SESSION_NOT_FOUND');
    expect(COMPAT_ROUTES.createTask.errors).toEqual(V1_ROUTES.speak.errors);
    expect(COMPAT_ROUTES.deleteSession.errors).toEqual(V1_ROUTES.stopSession.errors);
    const createStatuses = Object.keys(doc.paths['/api/v1/sessions'].post.responses);
    expect(createStatuses).not.toContain('404');
    expect(createStatuses).toEqual(expect.arrayContaining(['200', '400', '401', '403', '408', '409', '413', '415', '422', '429', '502', '503', '504']));
  });
});
