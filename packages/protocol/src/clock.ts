/** A timer handle returned by {@link Clock.setTimeout}. */
export interface ClockTimer {
  /** Let the process exit while this timer is pending (no-op for fake clocks). */
  unref?(): unknown;
}

/**
 * Time source for everything in the protocol package that waits. Injected so tests can use a
 * fake clock; the default reads the global `Date.now`/`setTimeout` at call time, so vitest's
 * `vi.useFakeTimers()` also controls it.
 */
export interface Clock {
  /** Milliseconds since the epoch (may be fractional). */
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
