import { describe, expect, it } from 'vitest';
import { InferenceQueue } from './inference-queue.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('InferenceQueue', () => {
  it('runs at most maxConcurrency jobs, queues maxQueue more in order, refuses the rest', async () => {
    const queue = new InferenceQueue({ maxConcurrency: 2, maxQueue: 2 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (id: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      order.push(id);
      running--;
      return id;
    };
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((id) => queue.run(job(id))));
    expect(peak).toBe(2);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    expect((results[4] as PromiseRejectedResult).reason.code).toBe('E_SERVER_BUSY');
    expect(order.slice(2)).toEqual([3, 4]); // queued jobs start first come, first served
    expect(queue.active).toBe(0);
    expect(queue.queued).toBe(0);
  });

  it('drops a waiter after queueTimeoutMs and keeps working', async () => {
    const queue = new InferenceQueue({ maxConcurrency: 1, maxQueue: 4, queueTimeoutMs: 20 });
    const release = await queue.acquire();
    await expect(queue.acquire()).rejects.toMatchObject({ code: 'E_SERVER_QUEUE_TIMEOUT' });
    expect(queue.queued).toBe(0);
    const idle = queue.whenIdle();
    release();
    release(); // a second call is harmless
    await idle;
    expect(await queue.run(async () => 'ok')).toBe('ok');
  });

  it('rejects nonsense limits', () => {
    expect(() => new InferenceQueue({ maxConcurrency: 0, maxQueue: 1 })).toThrow(/E_SERVER_OPTION/);
    expect(() => new InferenceQueue({ maxConcurrency: 1, maxQueue: -1 })).toThrow(/E_SERVER_OPTION/);
  });
});
