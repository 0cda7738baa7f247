import type { ServeContext, ServeLimits } from '@tessera/core';

/** The CLI's default limits, which tests size their bodies against. */
export const testServeLimits: ServeLimits = {
  bodyLimitBytes: 1 << 20,
  maxPromptCharacters: 4096,
  maxNewTokens: 256,
  maxBatch: 32,
  maxTextCharacters: 4096,
};

/** A `ServeContext` for tests: `run` just calls the job; it counts queue use and can play a client going away. */
export interface FakeServeContext extends ServeContext {
  readonly counts: { runs: number; acquired: number; released: number };
  /** Aborts `signal`, as the server does when the client closes the connection. */
  clientGoesAway(): void;
  /** Resolves once every acquired slot has been released. */
  allReleased(): Promise<void>;
}

export function fakeServeContext(limits: ServeLimits = testServeLimits): FakeServeContext {
  const controller = new AbortController();
  const counts = { runs: 0, acquired: 0, released: 0 };
  let waiting: Array<() => void> = [];
  const settle = () => {
    if (counts.released !== counts.acquired) return;
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  return {
    limits,
    signal: controller.signal,
    counts,
    async run(job) {
      counts.runs++;
      return job();
    },
    async acquire() {
      counts.acquired++;
      let released = false;
      return () => {
        if (released) throw new Error('a queue slot was released twice');
        released = true;
        counts.released++;
        settle();
      };
    },
    log: { info() {}, error() {} },
    clientGoesAway: () => controller.abort(),
    allReleased: () =>
      counts.released === counts.acquired ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)),
  };
}
