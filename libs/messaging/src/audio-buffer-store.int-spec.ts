// The session audio buffer on a real Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TenantScopes } from '@avatar/contracts';
import { testInfra } from '../../../test/support/infra';
import { AudioBufferStore, audioBufferKey } from './audio-buffer-store';

let redis: Redis;
let store: AudioBufferStore;

beforeAll(() => {
  redis = new Redis(testInfra().redisUrl);
  store = new AudioBufferStore(redis, 60);
});

afterAll(async () => {
  await redis.quit();
});

const scope = () => ({ tenantId: TenantScopes.ofRecord(randomUUID()), sessionId: randomUUID() });
const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('AudioBufferStore', () => {
  it('appends binary audio in order and takes it whole, leaving the buffer empty', async () => {
    const s = scope();
    await store.append(s, bytes(4, 0x01), 100);
    const second = await store.append(s, Buffer.from([0x00, 0xff, 0x80, 0x7f]), 100);

    const taken = await store.take(s);

    expect(second).toEqual({ ok: true, bytes: 8 });
    expect([...taken!.pcm]).toEqual([1, 1, 1, 1, 0x00, 0xff, 0x80, 0x7f]);
    expect(await store.size(s)).toBe(0);
    expect(await store.take(s)).toBeNull();
  });

  it('refuses an append past the bound and keeps what was buffered', async () => {
    const s = scope();
    await store.append(s, bytes(60, 1), 100);

    const refused = await store.append(s, bytes(41, 2), 100);

    expect(refused).toEqual({ ok: false, bytes: 60 });
    expect(await store.size(s)).toBe(60);
    expect(await store.append(s, bytes(40, 2), 100)).toEqual({ ok: true, bytes: 100 });
  });

  it('clear drops the buffer and answers its size', async () => {
    const s = scope();
    await store.append(s, bytes(10, 1), 100);

    expect(await store.clear(s)).toBe(10);
    expect(await store.size(s)).toBe(0);
  });

  it('a refused commit restores the taken audio in front of what arrived meanwhile', async () => {
    const s = scope();
    await store.append(s, bytes(4, 1), 100);
    const taken = await store.take(s);
    await store.append(s, bytes(2, 2), 100);

    await taken!.restore();

    const again = await store.take(s);
    expect([...again!.pcm]).toEqual([1, 1, 1, 1, 2, 2]);
  });

  it('a done commit leaves nothing behind', async () => {
    const s = scope();
    await store.append(s, bytes(4, 1), 100);
    const taken = await store.take(s);

    await taken!.done();

    expect(await redis.keys(`${audioBufferKey(s)}*`)).toEqual([]);
  });

  it('keeps sessions and tenants apart, and expires an abandoned buffer', async () => {
    const a = scope();
    const b = { tenantId: TenantScopes.ofRecord(randomUUID()), sessionId: a.sessionId };
    await store.append(a, bytes(4, 1), 100);

    expect(await store.take(b)).toBeNull();
    const ttl = await redis.ttl(audioBufferKey(a));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});
