/**
 * A queue between a producer that pushes events as they happen (a generation's `onToken`) and a
 * consumer that iterates them (a server writing server-sent events). The producer runs on its own,
 * so it finishes, and frees what it holds, even if nobody iterates; a consumer that stops early
 * (`return()`, e.g. `break` in `for await`) calls `onStop` so the producer can stop too.
 */
export interface EventChannel<T> {
  push(event: T): void;
  /** No more events: iteration ends after the buffered ones. */
  close(): void;
  /** Iteration throws `error` after the buffered events. */
  fail(error: unknown): void;
  readonly events: AsyncIterable<T>;
}

export function createEventChannel<T>(onStop: () => void = () => {}): EventChannel<T> {
  const buffered: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const iterator: AsyncIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      while (buffered.length === 0 && !ended) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (buffered.length > 0) return { value: buffered.shift() as T, done: false };
      if (failure !== undefined) {
        const { error } = failure;
        failure = undefined;
        throw error;
      }
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<T>> {
      if (!ended) onStop();
      ended = true;
      buffered.length = 0;
      failure = undefined;
      notify();
      return { value: undefined, done: true };
    },
  };
  return {
    push(event) {
      if (ended) return;
      buffered.push(event);
      notify();
    },
    close() {
      ended = true;
      notify();
    },
    fail(error) {
      if (ended) return;
      failure = { error };
      ended = true;
      notify();
    },
    events: { [Symbol.asyncIterator]: () => iterator },
  };
}
