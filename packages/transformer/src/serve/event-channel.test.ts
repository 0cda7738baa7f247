import { describe, expect, it } from 'vitest';
import { createEventChannel } from './event-channel.js';

async function drain<T>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('createEventChannel', () => {
  it('yields events pushed before and while iterating, in order, until closed', async () => {
    const channel = createEventChannel<number>();
    channel.push(1);
    const drained = drain(channel.events);
    channel.push(2);
    await new Promise((resolve) => setTimeout(resolve, 1));
    channel.push(3);
    channel.close();
    channel.push(4); // after close: dropped
    expect(await drained).toEqual([1, 2, 3]);
  });

  it('a failure ends the iteration after the buffered events', async () => {
    const channel = createEventChannel<string>();
    channel.push('a');
    channel.fail(new Error('broken'));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of channel.events) seen.push(event);
      })(),
    ).rejects.toThrow('broken');
    expect(seen).toEqual(['a']);
  });

  it('a consumer that stops early calls onStop once; later pushes are dropped', async () => {
    let stops = 0;
    const channel = createEventChannel<number>(() => stops++);
    channel.push(1);
    channel.push(2);
    for await (const event of channel.events) {
      expect(event).toBe(1);
      break;
    }
    channel.push(3);
    channel.close();
    expect(stops).toBe(1);
    expect(await drain(channel.events)).toEqual([]);
  });
});
