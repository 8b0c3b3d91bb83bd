/**
 * Runs `fn`, swallowing anything it throws: the beacon must never break the host page,
 * so every entry point (listeners, callbacks, the public API) goes through here.
 */
export const guard =
  <A extends unknown[]>(fn: (...args: A) => void) =>
  (...args: A): void => {
    try {
      fn(...args);
    } catch {
      // Deliberately silent: a monitoring script that throws is worse than one that misses.
    }
  };
