import type { Clock, ClockTimer } from '../clock.js';

interface FakeTimer extends ClockTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A manually advanced {@link Clock}. Timers run in due-time order (ties in creation order) while
 * {@link FakeClock.advance} moves time forward; timers created by a running timer run in the
 * same advance if they fall due within it.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const channel = new ReliableChannel({ role: 'client', clock, transmit, deliver });
 * await clock.advanceAsync(250); // runs the 100 ms ticks, letting promises settle in between
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  /** @param startMs initial `now()`, an epoch time by default so encoded CreatedDate is realistic. */
  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const timer: FakeTimer = {
      id: this.#nextId++,
      dueAt: this.#now + Math.max(0, delayMs),
      callback,
      cancelled: false,
      unref: () => timer,
    };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    const fake = timer as FakeTimer;
    fake.cancelled = true;
    this.#timers = this.#timers.filter((candidate) => candidate !== fake);
  }

  /** Number of pending timers. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Advances time by `ms`, running every timer that falls due, synchronously. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const timer = this.#takeDue(target);
      if (timer === undefined) break;
      this.#now = Math.max(this.#now, timer.dueAt);
      timer.callback();
    }
    this.#now = target;
  }

  /**
   * Like {@link advance}, but yields to the event loop (`setImmediate`) after every timer, and
   * moves time in steps of at most `stepMs`, so promise chains, microtask-delivered socket frames
   * and Node streams settle between timers.
   */
  async advanceAsync(ms: number, stepMs = 10): Promise<void> {
    const target = this.#now + ms;
    while (this.#now < target) {
      const stepTarget = Math.min(target, this.#now + stepMs);
      for (;;) {
        const timer = this.#takeDue(stepTarget);
        if (timer === undefined) break;
        this.#now = Math.max(this.#now, timer.dueAt);
        timer.callback();
        await yieldToEventLoop();
      }
      this.#now = stepTarget;
      await yieldToEventLoop();
    }
  }

  #takeDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.dueAt > limit) continue;
      if (
        best === undefined ||
        timer.dueAt < best.dueAt ||
        (timer.dueAt === best.dueAt && timer.id < best.id)
      ) {
        best = timer;
      }
    }
    if (best !== undefined) this.#timers = this.#timers.filter((timer) => timer !== best);
    return best;
  }
}

/** Resolves after pending microtasks, `process.nextTick` callbacks and I/O callbacks have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
