import { TesseraError } from '@tessera/core';

/**
 * Bounded concurrency for CPU-bound inference: at most `maxConcurrency` jobs run at once, at most
 * `maxQueue` wait (first come, first served) and everything beyond is refused at once, so a flood
 * of requests costs the server a rejected promise each instead of unbounded memory and latency.
 * A waiter that is not started within `queueTimeoutMs` is dropped with E_SERVER_QUEUE_TIMEOUT.
 */
export interface InferenceQueueOptions {
  maxConcurrency: number;
  maxQueue: number;
  /** How long a request may wait for a slot (default 30 s). */
  queueTimeoutMs?: number;
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class InferenceQueue {
  private running = 0;
  private readonly waiters: Waiter[] = [];
  private readonly idleCallbacks: (() => void)[] = [];
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;

  constructor(options: InferenceQueueOptions) {
    const { maxConcurrency, maxQueue, queueTimeoutMs = 30_000 } = options;
    if (!(Number.isInteger(maxConcurrency) && maxConcurrency >= 1)) {
      throw new TesseraError('E_SERVER_OPTION', `maxConcurrency must be an integer ≥ 1, got ${maxConcurrency}`);
    }
    if (!(Number.isInteger(maxQueue) && maxQueue >= 0)) {
      throw new TesseraError('E_SERVER_OPTION', `maxQueue must be an integer ≥ 0, got ${maxQueue}`);
    }
    if (!(queueTimeoutMs > 0)) {
      throw new TesseraError('E_SERVER_OPTION', `queueTimeoutMs must be > 0, got ${queueTimeoutMs}`);
    }
    this.maxConcurrency = maxConcurrency;
    this.maxQueue = maxQueue;
    this.queueTimeoutMs = queueTimeoutMs;
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Waits for a slot and resolves to its release function (call it exactly once, in a finally).
   * Rejects immediately with E_SERVER_BUSY when the queue is full.
   */
  acquire(): Promise<() => void> {
    if (this.running < this.maxConcurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new TesseraError(
          'E_SERVER_BUSY',
          `the server is at capacity (${this.running} running, ${this.waiters.length} queued); retry shortly`,
          { category: 'busy' },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(
            new TesseraError(
              'E_SERVER_QUEUE_TIMEOUT',
              `the request waited ${this.queueTimeoutMs} ms for a free slot; the server is overloaded, retry later`,
              { category: 'unavailable' },
            ),
          );
        }, this.queueTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Runs `job` in a slot. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await job();
    } finally {
      release();
    }
  }

  /** Resolves once nothing runs and nothing waits (for graceful shutdown). */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleCallbacks.push(resolve));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next !== undefined) {
        clearTimeout(next.timer);
        next.resolve(this.releaser()); // the slot passes straight to the next waiter
        return;
      }
      this.running--;
      if (this.running === 0) for (const callback of this.idleCallbacks.splice(0)) callback();
    };
  }
}
