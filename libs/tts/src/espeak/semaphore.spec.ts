import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('lets `limit` holders in and the rest in order as slots free up', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const c = semaphore.acquire().then((release) => (order.push(3), release));
    const d = semaphore.acquire().then((release) => (order.push(4), release));
    await Promise.resolve();
    expect(semaphore.active).toBe(2);
    expect(semaphore.queued).toBe(2);
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot is ignored
    const releaseC = await c;
    expect(order).toEqual([3]);
    expect(semaphore.active).toBe(2);
    b();
    (await d)();
    releaseC();
    expect(order).toEqual([3, 4]);
    expect(semaphore.active).toBe(0);
  });

  it('drops a waiter whose signal aborts, without giving it a slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const abort = new AbortController();
    const waiting = semaphore.acquire(abort.signal);
    abort.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(semaphore.queued).toBe(0);
    release();
    expect(semaphore.active).toBe(0);
    await expect(semaphore.acquire(abort.signal)).rejects.toThrow('gone');
  });
});
