/**
 * Answers of the registry by key, each asked once: callers that ask for the same key
 * while a request is out share its promise; a success is kept forever (a schema id or a
 * registered schema never changes); a failure is kept only as long as `remember` says —
 * an outage is forgotten at once so that the next call retries, a missing schema for a
 * while so that a batch full of one bad id asks once.
 */
export class SharedLookups<K, V> {
  readonly #settled = new Map<K, { value: V } | { error: unknown; until: number }>();
  readonly #pending = new Map<K, Promise<V>>();
  readonly #maxFailures: number;
  #failures = 0;

  constructor(
    /** How long a failure is given back without asking again; 0 forgets it at once. */
    private readonly remember: (error: unknown) => number,
    /** The most failures kept; past it they are all forgotten, so a flood of bad keys cannot grow memory. */
    maxFailures = 10_000,
  ) {
    this.#maxFailures = maxFailures;
  }

  /** The value when it is known now, without a promise: for the synchronous hot path. */
  peek(key: K): V | undefined {
    const known = this.#settled.get(key);
    return known && 'value' in known ? known.value : undefined;
  }

  get(key: K, load: () => Promise<V>, now = Date.now()): Promise<V> {
    const known = this.#settled.get(key);
    if (known) {
      if ('value' in known) return Promise.resolve(known.value);
      if (known.until > now) return Promise.reject(known.error);
      this.#settled.delete(key);
      this.#failures--;
    }
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const loading = load().then(
      (value) => {
        this.#pending.delete(key);
        this.#settled.set(key, { value });
        return value;
      },
      (error: unknown) => {
        this.#pending.delete(key);
        this.#keepFailure(key, error);
        throw error;
      },
    );
    this.#pending.set(key, loading);
    return loading;
  }

  #keepFailure(key: K, error: unknown): void {
    const forMs = this.remember(error);
    if (forMs <= 0) return;
    if (this.#failures >= this.#maxFailures) {
      for (const [k, entry] of this.#settled) if ('error' in entry) this.#settled.delete(k);
      this.#failures = 0;
    }
    this.#settled.set(key, { error, until: Date.now() + forMs });
    this.#failures++;
  }
}
