import type { RandomGenerator } from '../random/random-generator.js';

/**
 * Shuffles a stream through a buffer of `bufferSize` examples, the way tf.data's
 * `shuffle(bufferSize)` does: fill the buffer, then for each new example emit a uniformly chosen
 * buffered one and put the new one in its place; at the end, drain the buffer in random order.
 *
 * Memory stays at `bufferSize` examples however long the stream is. The result is a uniform
 * permutation only when the buffer holds the whole stream; with a smaller buffer an example
 * moves at most about `bufferSize` places earlier, so streams sorted by label need a buffer
 * comparable to their length (or pre-shuffled shards).
 */
export async function* shuffleWithBuffer<Example>(
  source: AsyncIterable<Example>,
  bufferSize: number,
  random: RandomGenerator,
): AsyncGenerator<Example, void, undefined> {
  const buffer: Example[] = [];
  for await (const example of source) {
    if (buffer.length < bufferSize) {
      buffer.push(example);
      continue;
    }
    const slot = random.nextInt(bufferSize);
    const chosen = buffer[slot] as Example;
    buffer[slot] = example;
    yield chosen;
  }
  // Drain: pick uniformly among what is left, swap-remove with the last element.
  while (buffer.length > 0) {
    const slot = random.nextInt(buffer.length);
    const chosen = buffer[slot] as Example;
    buffer[slot] = buffer[buffer.length - 1] as Example;
    buffer.pop();
    yield chosen;
  }
}
