interface Waiter {
  readonly offset: number;
  readonly resolve: (endOffset: number) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

/**
 * Promises that resolve when a partition's end offset passes the offset they wait for, so a
 * source loop sleeps until there is data instead of polling.
 */
export class EndWatch {
  private readonly waiters = new Set<Waiter>();

  /** Resolves with the end offset once it is above `offset`; rejects with `signal.reason` on abort. */
  wait(offset: number, end: number, signal?: AbortSignal): Promise<number> {
    if (end > offset) return Promise.resolve(end);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        offset,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** The end moved to `end`: wake everyone waiting below it. */
  advance(end: number): void {
    for (const waiter of this.waiters) {
      if (waiter.offset < end) {
        this.waiters.delete(waiter);
        waiter.detach();
        waiter.resolve(end);
      }
    }
  }

  rejectAll(error: unknown): void {
    for (const waiter of this.waiters) {
      waiter.detach();
      waiter.reject(error);
    }
    this.waiters.clear();
  }
}
