import Fastify from 'fastify';
import { registerRequestIds, requestIdOf } from './logger-request-id';

describe('requestIdOf', () => {
  it("keeps an acceptable caller's id", () => {
    for (const id of ['abc', '4bf92f35-77b3-4da6-a3ce-929d0e0e4736', '01HZX3J9QK', 'lb:1.2/3+4=@x_y-z', 'a'.repeat(128)]) expect(requestIdOf(id)).toBe(id);
    expect(requestIdOf(['first', 'second'])).toBe('first');
  });

  it('replaces a missing, overlong or unsafe one with a new UUID', () => {
    for (const id of [undefined, '', 'a'.repeat(129), 'two words', 'line\nbreak', '"quoted"', 'a,b']) {
      expect(requestIdOf(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});

describe('registerRequestIds', () => {
  it("makes the id Fastify's request id and echoes it on every answer, a 404 included", async () => {
    const fastify = Fastify();
    registerRequestIds(fastify);
    fastify.get('/seen', async (request) => ({ id: request.id }));
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      const seen = await fetch(`${url}/seen`, { headers: { 'x-request-id': 'caller-1' } });
      expect(seen.headers.get('x-request-id')).toBe('caller-1');
      expect(await seen.json()).toEqual({ id: 'caller-1' });
      const missing = await fetch(`${url}/missing`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await fastify.close();
    }
  });
});
