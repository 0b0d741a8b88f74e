import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ClientMessageLayout, MessageType } from '../wire/constants.js';
import {
  MemoryConnection,
  type MemoryFrame,
  type MemoryRoute,
  type MemorySocket,
} from './memory-socket.js';

/** Fault settings of {@link createLossyLink}; probabilities are per binary frame, 0–1. */
export interface LossyLinkOptions {
  /** Probability that a frame is dropped. @default 0 */
  drop?: number;
  /** Probability that a frame is delivered twice. @default 0 */
  duplicate?: number;
  /** Probability that a frame is held back and delivered after the next one. @default 0 */
  reorder?: number;
  /** Fixed delivery delay in ms (uses `clock`). @default 0 */
  delayMs?: number;
  /** Extra uniformly random delay in ms, 0–`jitterMs` (reorders frames too). @default 0 */
  jitterMs?: number;
  /** Probability that an `acknowledge` frame is discarded (on top of `drop`). @default 0 */
  withholdAcks?: number;
  /** PRNG seed; the same seed gives the same fault pattern for the same traffic. @default 1 */
  seed?: number;
  /** Clock for delays and the reorder fallback timer. @default systemClock */
  clock?: Clock;
}

/** What a {@link LossyLink} did to the traffic. */
export interface LossyLinkStats {
  framesForwarded: number;
  framesDropped: number;
  framesDuplicated: number;
  framesReordered: number;
  acksWithheld: number;
  socketsKilled: number;
}

/** A fault-injecting connection factory between a client end and an agent end. */
export interface LossyLink {
  /**
   * Creates a new connected socket pair whose frames pass through the faults (text frames pass
   * untouched). Earlier pairs keep working until killed.
   */
  connect(): { client: MemorySocket; agent: MemorySocket };
  /** Kills the most recent pair: both ends see `close(1006)`, frames in flight are lost. */
  killSocket(): void;
  /** Counters over every pair created. */
  readonly stats: LossyLinkStats;
}

/** Seeded 32-bit PRNG (mulberry32): returns floats in [0, 1). */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ACK_TYPE = new TextEncoder().encode(MessageType.Acknowledge);

function isAcknowledge(data: Uint8Array): boolean {
  const offset = ClientMessageLayout.MESSAGE_TYPE_OFFSET;
  if (data.byteLength < offset + ACK_TYPE.byteLength + 1) return false;
  for (let index = 0; index < ACK_TYPE.byteLength; index++) {
    if (data[offset + index] !== ACK_TYPE[index]) return false;
  }
  return data[offset + ACK_TYPE.byteLength] === 0x20 || data[offset + ACK_TYPE.byteLength] === 0;
}

/**
 * A seeded lossy link for reliability tests: drops, duplicates, reorders and delays binary frames,
 * can discard acknowledgements, and can kill the connection so the test reattaches both ends to a
 * fresh pair (the reconnect path).
 *
 * @example
 * ```ts
 * const link = createLossyLink({ drop: 0.1, duplicate: 0.05, reorder: 0.05, seed: 7 });
 * let { client, agent } = link.connect();
 * clientChannel.attach(client, { tokenValue });
 * agentChannel.attach(agent);
 * link.killSocket(); // later: ({ client, agent } = link.connect()) and attach again
 * ```
 */
export function createLossyLink(options: LossyLinkOptions = {}): LossyLink {
  const random = createPrng(options.seed ?? 1);
  const clock = options.clock ?? systemClock;
  const drop = options.drop ?? 0;
  const duplicate = options.duplicate ?? 0;
  const reorder = options.reorder ?? 0;
  const delayMs = options.delayMs ?? 0;
  const jitterMs = options.jitterMs ?? 0;
  const withholdAcks = options.withholdAcks ?? 0;
  const stats: LossyLinkStats = {
    framesForwarded: 0,
    framesDropped: 0,
    framesDuplicated: 0,
    framesReordered: 0,
    acksWithheld: 0,
    socketsKilled: 0,
  };
  let current: MemoryConnection | undefined;

  function createRoute(): MemoryRoute {
    let held:
      { frame: MemoryFrame; forward: (frame: MemoryFrame) => void; timer: ClockTimer } | undefined;
    const releaseHeld = (): void => {
      if (held === undefined) return;
      const { frame, forward, timer } = held;
      held = undefined;
      clock.clearTimeout(timer);
      forward(frame);
    };
    const schedule = (frame: MemoryFrame, forward: (frame: MemoryFrame) => void): void => {
      const delay = delayMs + (jitterMs > 0 ? random() * jitterMs : 0);
      const deliver = (): void => {
        stats.framesForwarded++;
        forward(frame);
        releaseHeld();
      };
      if (reorder > 0 && held === undefined && random() < reorder) {
        stats.framesReordered++;
        const timer = clock.setTimeout(releaseHeld, delay + 5);
        timer.unref?.();
        held = {
          frame,
          forward: (held) => {
            stats.framesForwarded++;
            forward(held);
          },
          timer,
        };
        return;
      }
      if (delay > 0) {
        const timer = clock.setTimeout(deliver, delay);
        timer.unref?.();
      } else {
        deliver();
      }
    };
    return (frame, forward) => {
      if (!frame.isBinary) {
        forward(frame);
        return;
      }
      if (withholdAcks > 0 && isAcknowledge(frame.data) && random() < withholdAcks) {
        stats.acksWithheld++;
        return;
      }
      if (drop > 0 && random() < drop) {
        stats.framesDropped++;
        return;
      }
      schedule(frame, forward);
      if (duplicate > 0 && random() < duplicate) {
        stats.framesDuplicated++;
        schedule(frame, forward);
      }
    };
  }

  return {
    connect() {
      current = new MemoryConnection(createRoute(), createRoute());
      return { client: current.a, agent: current.b };
    },
    killSocket() {
      if (current === undefined || current.closed) return;
      stats.socketsKilled++;
      current.close(1006, 'connection killed', true);
    },
    stats,
  };
}
