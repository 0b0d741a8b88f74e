/** A timer handle returned by {@link Clock.setTimeout}. */
export interface ClockTimer {
  /** Let the process exit while this timer is pending (no-op for fake clocks). */
  unref?(): unknown;
}

/**
 * Time source for everything in core that waits or compares expiry times. Injected so tests can
 * use a fake clock; the default reads the global `Date.now`/`setTimeout` at call time, so
 * `vi.useFakeTimers()` also controls it. Same shape as `@ssmkit/protocol`'s clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/**
 * Wait `delayMs` on `clock`. Rejects with `signal.reason` as soon as `signal` aborts.
 * @internal
 */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
