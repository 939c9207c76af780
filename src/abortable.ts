/** Waits that end as soon as a signal aborts, and leave no listener behind when they do not. */

/** `promise`'s value, or undefined as soon as `signal` aborts (the promise then settles alone). */
export const untilAborted = <T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> => {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const abort = () => resolve(undefined);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
};

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return untilAborted(elapsed, signal).then(() => clearTimeout(timer));
};
