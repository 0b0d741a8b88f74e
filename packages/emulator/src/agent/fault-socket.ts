import type { DataChannelSocket, DataChannelSocketHandlers } from '@ssmkit/protocol';
import type { Faults } from '../world/schema.js';

/** Counters of what the fault layer did, per socket (exposed through the admin API). */
export interface FaultStats {
  dropped: number;
  duplicated: number;
  reordered: number;
  delayed: number;
}

type Deliver = (frame: Uint8Array) => void;

/**
 * One direction of the fault layer: drop, duplicate, hold-back reordering, a fixed delay that
 * keeps order and a random jitter that may not. Faults are read at every frame, so admin changes apply at once.
 */
class FaultyDirection {
  #held: Uint8Array | undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(
    private readonly faults: () => Faults,
    private readonly deliver: Deliver,
    private readonly random: () => number,
    private readonly stats: FaultStats,
  ) {}

  push(frame: Uint8Array): void {
    if (this.#closed) return;
    const faults = this.faults();
    if (faults.drop > 0 && this.random() < faults.drop) {
      this.stats.dropped++;
      return;
    }
    const copies = faults.duplicate > 0 && this.random() < faults.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let copy = 0; copy < copies; copy++) this.#reorder(frame, faults);
  }

  #reorder(frame: Uint8Array, faults: Faults): void {
    if (this.#held === undefined && faults.reorder > 0 && this.random() < faults.reorder) {
      // Hold this frame back and send it after the next one (or after a short while).
      this.stats.reordered++;
      this.#held = frame;
      this.#holdTimer = setTimeout(() => this.#releaseHeld(), 20);
      return;
    }
    this.#delay(frame, faults);
    this.#releaseHeld();
  }

  #releaseHeld(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#delay(held, this.faults());
  }

  #delay(frame: Uint8Array, faults: Faults): void {
    const jitter = faults.delayJitterMs > 0 ? this.random() * faults.delayJitterMs : 0;
    if (faults.delayMs <= 0 && jitter === 0) {
      this.deliver(frame);
      return;
    }
    this.stats.delayed++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) this.deliver(frame);
    }, faults.delayMs + jitter);
    this.#timers.add(timer);
  }

  close(): void {
    this.#closed = true;
    this.#held = undefined;
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

function faultsActive(faults: Faults): boolean {
  return (
    faults.drop > 0 ||
    faults.duplicate > 0 ||
    faults.reorder > 0 ||
    faults.delayMs > 0 ||
    faults.delayJitterMs > 0
  );
}

/**
 * Wraps the client's socket so that binary frames in both directions pass through the
 * emulator's fault switches (`--fault-drop`, `--fault-duplicate`, `--fault-reorder`,
 * `--fault-delay-ms`, `--fault-delay-jitter-ms`). Text frames and control traffic pass untouched. With every switch at zero
 * frames go straight through.
 */
export function withFaults(
  inner: DataChannelSocket,
  faults: () => Faults,
  options: { random?: () => number; stats?: FaultStats } = {},
): DataChannelSocket & { readonly stats: FaultStats } {
  const random = options.random ?? Math.random;
  const stats = options.stats ?? { dropped: 0, duplicated: 0, reordered: 0, delayed: 0 };
  const outgoing = new FaultyDirection(
    faults,
    (frame) => {
      if (inner.isOpen) inner.send(frame);
    },
    random,
    stats,
  );
  let handlers: DataChannelSocketHandlers | undefined;
  const incoming = new FaultyDirection(
    faults,
    (frame) => handlers?.message(frame, true),
    random,
    stats,
  );

  return {
    stats,
    send(data) {
      if (typeof data === 'string' || !faultsActive(faults())) inner.send(data);
      else outgoing.push(data);
    },
    close(code, reason) {
      outgoing.close();
      incoming.close();
      inner.close(code, reason);
    },
    get bufferedAmount() {
      return inner.bufferedAmount;
    },
    get isOpen() {
      return inner.isOpen;
    },
    ping: inner.ping === undefined ? undefined : (payload) => inner.ping?.(payload),
    setHandlers(next) {
      handlers = next;
      inner.setHandlers({
        ...next,
        message(data, isBinary) {
          if (!isBinary || !faultsActive(faults())) next.message(data, isBinary);
          else incoming.push(data);
        },
        close(code, reason) {
          outgoing.close();
          incoming.close();
          next.close(code, reason);
        },
      });
    },
  };
}
