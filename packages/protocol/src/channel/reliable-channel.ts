import { randomUUID as nodeRandomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { encodeClientMessage, type ClientMessage } from '../wire/client-message.js';
import {
  MessageFlags,
  MessageType,
  PayloadType,
  ReliabilityDefaults,
  SCHEMA_VERSION,
} from '../wire/constants.js';
import { decodeAcknowledge, encodeAcknowledge } from '../wire/payloads/index.js';
import { RtoEstimator } from './rto-estimator.js';

const log = createDebug('ssmkit:protocol:channel');
const logError = createDebug('ssmkit:protocol:channel:error');
const trace = createDebug('ssmkit:protocol:channel:trace');

/** Which end of the data channel a {@link ReliableChannel} is. */
export type ChannelRole = 'client' | 'agent';

/**
 * How lost messages are repaired (spec §5.6, notes item 13).
 *
 * - `faithful`: what the real agent does — every tick, only the **oldest** unacknowledged message
 *   is considered and re-sent if its RTO expired (at most one per tick).
 * - `fast`: every message whose RTO expired is re-sent, oldest first, up to
 *   {@link ReliableChannelOptions.maxRetransmitsPerTick} per tick.
 */
export type RetransmissionPolicy = 'faithful' | 'fast';

/** Options of {@link ReliableChannel}. */
export interface ReliableChannelOptions {
  /** `client` sends `input_stream_data` and receives `output_stream_data`; `agent` the reverse. */
  role: ChannelRole;
  /**
   * Puts one encoded frame on the wire. Only called while the channel is connected
   * ({@link ReliableChannel.setConnected}). Must not throw.
   */
  transmit: (frame: Uint8Array) => void;
  /**
   * Hands one in-order stream message to the consumer. Return `false` when the consumer is not
   * ready: the message is then neither acknowledged nor consumed, and is offered again on the next
   * {@link ReliableChannel.retryDelivery} call or when the peer retransmits it.
   */
  deliver: (message: ClientMessage) => boolean;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** MessageId generator (for tests). @default crypto.randomUUID */
  randomUUID?: () => string;
  /** @default `'fast'` for the client role, `'faithful'` for the agent role */
  retransmission?: RetransmissionPolicy;
  /** Cap on re-sent messages per tick with the `fast` policy. @default 256 */
  maxRetransmitsPerTick?: number;
  /**
   * Retransmissions of one message before the channel gives up with
   * `ERR_PROTOCOL_RETRANSMIT_LIMIT`. @default 3000 for the client, `Infinity` for the agent
   */
  maxResendAttempts?: number;
  /**
   * Back-pressure bound on unacknowledged outgoing frame bytes: {@link ReliableChannel.send}
   * returns `false` at or above it and `'drain'` follows when acks bring it below.
   * Nothing is ever evicted. @default 2 MiB
   */
  highWaterMarkBytes?: number;
  /** Same bound counted in messages. @default 4096 */
  highWaterMarkMessages?: number;
  /**
   * Out-of-order messages kept (acknowledged) while waiting for a gap to fill; beyond it they are
   * dropped unacknowledged. @default 10 000 (client) / 100 000 (agent)
   */
  incomingBufferCapacity?: number;
  /** Retransmission check interval in ms. @default 100 */
  resendIntervalMs?: number;
}

/** Counters kept by a {@link ReliableChannel} (for tests, logs and benchmarks). */
export interface ReliableChannelStats {
  /** Stream messages created by {@link ReliableChannel.send}. */
  messagesSent: number;
  /** Retransmissions (not counting the first transmission). */
  retransmissions: number;
  /** Acknowledgements sent (including re-acks of duplicates). */
  acksSent: number;
  /** Acknowledgements received that removed an outgoing message. */
  acksReceived: number;
  /** Stream messages delivered to the consumer. */
  messagesDelivered: number;
  /** Stream messages received with a sequence number already consumed (re-acknowledged). */
  duplicatesReceived: number;
  /** Stream messages received ahead of the expected sequence number. */
  outOfOrderReceived: number;
  /** Deliveries refused by the consumer (not ready). */
  deliveriesRefused: number;
}

/** Events of {@link ReliableChannel}. */
export interface ReliableChannelEvents {
  /** {@link ReliableChannel.send} returned `false` earlier and the channel is writable again. */
  drain: [];
  /** The channel gave up (`ERR_PROTOCOL_RETRANSMIT_LIMIT`); it is closed. */
  error: [error: ProtocolError];
  /** `pause_publication` was received (or {@link ReliableChannel.pause} called). */
  pause: [];
  /** Publication resumed after a pause. */
  resume: [];
}

interface OutgoingEntry {
  readonly sequenceNumber: number;
  readonly frame: Uint8Array;
  /** Time of the last transmission; `undefined` until first transmitted. */
  lastSent: number | undefined;
  attempts: number;
}

interface IncomingEntry {
  readonly message: ClientMessage;
  acked: boolean;
}

/**
 * Payload types acknowledged before they are processed: the handshake messages, as the official
 * client (§5.3) and the real agent (captures: ack of the HandshakeResponse precedes
 * HandshakeComplete) do. Consumers must not refuse these.
 */
const ACK_FIRST = new Set<number>([
  PayloadType.HandshakeRequest,
  PayloadType.HandshakeResponse,
  PayloadType.HandshakeComplete,
  PayloadType.EncChallengeRequest,
  PayloadType.EncChallengeResponse,
]);

const defaults = {
  maxRetransmitsPerTick: 256,
  highWaterMarkBytes: 2 * 1024 * 1024,
  highWaterMarkMessages: 4_096,
} as const;

/**
 * The reliability layer of spec §5 — sequence numbers, selective acknowledgements, the
 * out-of-order buffer, RTT/RTO estimation, retransmission and pause/start publication — as one
 * I/O-free state machine used by both roles. Frames go out through `transmit`, stream messages come
 * in through {@link handleMessage}, time comes from the injected {@link Clock}.
 *
 * Differences from the official client, all deliberate (see protocol-notes): duplicates are
 * re-acknowledged, messages are buffered while disconnected, `lastSent` is updated on
 * retransmission (like the agent) and a full outgoing buffer applies back-pressure instead of
 * evicting.
 *
 * @example
 * ```ts
 * const channel = new ReliableChannel({
 *   role: 'client',
 *   transmit: (frame) => socket.send(frame),
 *   deliver: (message) => { process(message.payload); return true; },
 * });
 * channel.setConnected(true);
 * if (!channel.send(PayloadType.Output, bytes)) await once(channel, 'drain');
 * ```
 */
export class ReliableChannel extends EventEmitter<ReliableChannelEvents> {
  /** The round-trip estimator (read `rtoMs`, `rttMs`, `rttVarianceMs`). */
  readonly estimator = new RtoEstimator();
  /** Counters. */
  readonly stats: ReliableChannelStats = {
    messagesSent: 0,
    retransmissions: 0,
    acksSent: 0,
    acksReceived: 0,
    messagesDelivered: 0,
    duplicatesReceived: 0,
    outOfOrderReceived: 0,
    deliveriesRefused: 0,
  };

  readonly #role: ChannelRole;
  readonly #transmit: (frame: Uint8Array) => void;
  readonly #deliver: (message: ClientMessage) => boolean;
  readonly #clock: Clock;
  readonly #randomUUID: () => string;
  readonly #policy: RetransmissionPolicy;
  readonly #maxPerTick: number;
  readonly #maxAttempts: number;
  readonly #highWaterMarkBytes: number;
  readonly #highWaterMarkMessages: number;
  readonly #incomingCapacity: number;
  readonly #resendIntervalMs: number;
  readonly #outgoingType: string;
  readonly #incomingType: string;

  #nextSeq = 0;
  #expectedSeq = 0;
  readonly #outgoing = new Map<number, OutgoingEntry>();
  #outgoingBytes = 0;
  readonly #incoming = new Map<number, IncomingEntry>();
  #connected = false;
  #paused = false;
  #closed = false;
  #needDrain = false;
  #timer: ClockTimer | undefined;
  #draining = false;
  #drainAgain = false;
  /** The consumer refused the message at `expectedSeq` and has not taken one since. */
  #consumerBlocked = false;

  constructor(options: ReliableChannelOptions) {
    super();
    const isClient = options.role === 'client';
    this.#role = options.role;
    this.#transmit = options.transmit;
    this.#deliver = options.deliver;
    this.#clock = options.clock ?? systemClock;
    this.#randomUUID = options.randomUUID ?? nodeRandomUUID;
    this.#policy = options.retransmission ?? (isClient ? 'fast' : 'faithful');
    this.#maxPerTick = Math.max(1, options.maxRetransmitsPerTick ?? defaults.maxRetransmitsPerTick);
    this.#maxAttempts =
      options.maxResendAttempts ??
      (isClient ? ReliabilityDefaults.clientMaxResendAttempts : Number.POSITIVE_INFINITY);
    this.#highWaterMarkBytes = options.highWaterMarkBytes ?? defaults.highWaterMarkBytes;
    this.#highWaterMarkMessages = options.highWaterMarkMessages ?? defaults.highWaterMarkMessages;
    this.#incomingCapacity =
      options.incomingBufferCapacity ??
      (isClient
        ? ReliabilityDefaults.clientIncomingBufferCapacity
        : ReliabilityDefaults.agentIncomingBufferCapacity);
    this.#resendIntervalMs = options.resendIntervalMs ?? ReliabilityDefaults.resendIntervalMs;
    this.#outgoingType = isClient ? MessageType.InputStreamData : MessageType.OutputStreamData;
    this.#incomingType = isClient ? MessageType.OutputStreamData : MessageType.InputStreamData;
  }

  /** The role given at construction. */
  get role(): ChannelRole {
    return this.#role;
  }

  /** The retransmission policy in use. */
  get retransmission(): RetransmissionPolicy {
    return this.#policy;
  }

  /** Sequence number the next sent stream message gets. */
  get nextSequenceNumber(): number {
    return this.#nextSeq;
  }

  /** Sequence number of the next stream message expected from the peer. */
  get expectedSequenceNumber(): number {
    return this.#expectedSeq;
  }

  /** Outgoing stream messages not yet acknowledged (including never-transmitted ones). */
  get unacknowledgedCount(): number {
    return this.#outgoing.size;
  }

  /** Frame bytes of {@link unacknowledgedCount} messages. */
  get bufferedAmount(): number {
    return this.#outgoingBytes;
  }

  /** Messages held in the incoming (out-of-order / not-ready) buffer. */
  get incomingBufferedCount(): number {
    return this.#incoming.size;
  }

  /** True while the peer asked us to pause (`pause_publication`). */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** True between `setConnected(true)` and `setConnected(false)`. */
  get isConnected(): boolean {
    return this.#connected;
  }

  /** True after {@link close} or a give-up. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * True when a {@link send} now would return true: not paused, not closed and below both
   * high-water marks.
   */
  get writable(): boolean {
    return (
      !this.#closed &&
      !this.#paused &&
      this.#outgoingBytes < this.#highWaterMarkBytes &&
      this.#outgoing.size < this.#highWaterMarkMessages
    );
  }

  /**
   * Sends one stream message (`input_stream_data` for the client, `output_stream_data` for the
   * agent) with the next sequence number. The frame is encoded once; retransmissions re-send the
   * identical bytes. The message is buffered until acknowledged — also while disconnected or
   * paused, when it is transmitted later.
   *
   * @returns `false` when the caller should stop producing until `'drain'` (the message was
   *   still accepted).
   * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD` for an empty payload,
   *   `ERR_PROTOCOL_CLOSED` after {@link close}.
   */
  send(payloadType: number, payload: Uint8Array): boolean {
    if (this.#closed) {
      throw new ProtocolError(ProtocolErrorCode.CLOSED, 'the data channel is closed', {
        reason: 'closed',
      });
    }
    if (payload.byteLength === 0) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_PAYLOAD,
        'stream messages must not have an empty payload (the agent cannot parse them); skip empty writes',
        { reason: 'none' },
      );
    }
    const sequenceNumber = this.#nextSeq++;
    const frame = encodeClientMessage({
      messageType: this.#outgoingType,
      schemaVersion: SCHEMA_VERSION,
      createdDate: this.#createdDate(),
      sequenceNumber,
      flags:
        this.#role === 'agent' && sequenceNumber === 0
          ? MessageFlags.AgentFirst
          : MessageFlags.Data,
      messageId: this.#randomUUID(),
      payloadType,
      payload,
    });
    const entry: OutgoingEntry = { sequenceNumber, frame, lastSent: undefined, attempts: 0 };
    this.#outgoing.set(sequenceNumber, entry);
    this.#outgoingBytes += frame.byteLength;
    this.stats.messagesSent++;
    if (this.#connected && !this.#paused) this.#transmitEntry(entry);
    this.#ensureTimer();
    const writable = this.writable;
    if (!writable) this.#needDrain = true;
    return writable;
  }

  /**
   * Handles one decoded frame received from the peer. Consumes `acknowledge`, the incoming stream
   * type, `pause_publication` and `start_publication`; returns `false` for anything else (the
   * data channel dispatches those).
   */
  handleMessage(message: ClientMessage): boolean {
    if (this.#closed) return message.messageType === this.#incomingType;
    switch (message.messageType) {
      case MessageType.Acknowledge:
        this.#handleAck(message);
        return true;
      case this.#incomingType:
        this.#handleStreamMessage(message);
        return true;
      case MessageType.PausePublication:
        this.pause();
        return true;
      case MessageType.StartPublication:
        this.resume();
        return true;
      default:
        return false;
    }
  }

  /**
   * Offers held messages to the consumer again. Call it when a consumer that refused a message
   * (returned `false` from `deliver`) becomes ready.
   */
  retryDelivery(): void {
    this.#drainIncoming();
  }

  /**
   * Tells the channel whether frames can be transmitted. On connect, never-transmitted messages
   * go out at once, a pause is cleared (like the agent after a reconnect) and, with the `fast`
   * policy, every unacknowledged message is retransmitted immediately.
   */
  setConnected(connected: boolean): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    log(
      '%s: %s (unacked=%d)',
      this.#role,
      connected ? 'connected' : 'disconnected',
      this.#outgoing.size,
    );
    if (!connected || this.#closed) return;
    const wasPaused = this.#paused;
    this.#paused = false;
    const now = this.#clock.now();
    for (const entry of this.#outgoing.values()) {
      if (entry.lastSent === undefined) this.#transmitEntry(entry);
      else if (this.#policy === 'fast') this.#retransmitEntry(entry, now);
      if (this.#closed || !this.#connected) return;
    }
    if (wasPaused) this.emit('resume');
    this.#maybeEmitDrain();
    this.#ensureTimer();
  }

  /**
   * Pauses transmission of stream messages and retransmission (`pause_publication`, §5.7).
   * Messages are still accepted and buffered, acknowledgements still sent.
   */
  pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    log('%s: publication paused', this.#role);
    if (!this.writable) this.#needDrain = true;
    this.emit('pause');
  }

  /** Ends a pause: buffered never-transmitted messages go out, `'drain'` may follow. */
  resume(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    log('%s: publication resumed', this.#role);
    if (this.#connected) {
      for (const entry of this.#outgoing.values()) {
        if (entry.lastSent === undefined) this.#transmitEntry(entry);
        if (this.#closed || !this.#connected || this.#paused) return;
      }
    }
    this.emit('resume');
    this.#maybeEmitDrain();
  }

  /** Stops the timer and drops all state. Idempotent; later {@link send} calls throw. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    this.#outgoing.clear();
    this.#outgoingBytes = 0;
    this.#incoming.clear();
    log('%s: closed', this.#role);
  }

  #createdDate(): number {
    return Math.max(1, Math.floor(this.#clock.now()));
  }

  #transmitEntry(entry: OutgoingEntry): void {
    entry.lastSent = this.#clock.now();
    trace('%s: send seq=%d', this.#role, entry.sequenceNumber);
    this.#transmit(entry.frame);
  }

  #retransmitEntry(entry: OutgoingEntry, now: number): void {
    if (entry.attempts >= this.#maxAttempts) {
      this.#fail(
        new ProtocolError(
          ProtocolErrorCode.RETRANSMIT_LIMIT,
          `message seq ${entry.sequenceNumber} was retransmitted ${entry.attempts} times without an acknowledgement; the peer is not consuming. End the session (TerminateSession) and start a new one`,
          { reason: 'retransmit-limit' },
        ),
      );
      return;
    }
    entry.attempts++;
    entry.lastSent = now;
    this.stats.retransmissions++;
    trace('%s: resend seq=%d attempt=%d', this.#role, entry.sequenceNumber, entry.attempts);
    this.#transmit(entry.frame);
  }

  #handleAck(message: ClientMessage): void {
    let sequenceNumber: number;
    try {
      sequenceNumber = decodeAcknowledge(message.payload).acknowledgedMessageSequenceNumber;
    } catch (error) {
      logError('%s: dropping malformed acknowledge: %s', this.#role, (error as Error).message);
      return;
    }
    this.resume();
    const entry = this.#outgoing.get(sequenceNumber);
    if (entry === undefined) {
      trace('%s: ack for unknown seq=%d', this.#role, sequenceNumber);
      return;
    }
    if (entry.lastSent !== undefined) {
      this.estimator.addSample(this.#clock.now() - entry.lastSent);
    }
    this.#outgoing.delete(sequenceNumber);
    this.#outgoingBytes -= entry.frame.byteLength;
    this.stats.acksReceived++;
    trace('%s: acked seq=%d rto=%d', this.#role, sequenceNumber, this.estimator.rtoMs);
    if (this.#outgoing.size === 0) this.#stopTimer();
    this.#maybeEmitDrain();
  }

  #handleStreamMessage(message: ClientMessage): void {
    this.resume();
    const sequenceNumber = message.sequenceNumber;
    if (sequenceNumber < this.#expectedSeq) {
      // Duplicate: re-ack (the official client does not; see notes item 11).
      this.stats.duplicatesReceived++;
      this.#sendAck(message);
      return;
    }
    const existing = this.#incoming.get(sequenceNumber);
    if (sequenceNumber > this.#expectedSeq) {
      this.stats.outOfOrderReceived++;
      if (existing !== undefined) {
        // Re-ack a duplicate; or ack now one kept unacknowledged while the consumer was blocked.
        if (existing.acked || !this.#consumerBlocked) {
          existing.acked = true;
          this.#sendAck(message);
        }
        return;
      }
      if (this.#incoming.size >= this.#incomingCapacity) {
        trace('%s: incoming buffer full, dropping seq=%d', this.#role, sequenceNumber);
        return;
      }
      // While the consumer refuses data, keep later messages without acknowledging them: the
      // sender's window then fills and its back-pressure reaches its data sources, instead of
      // this buffer growing to its capacity and overflowing into retransmissions.
      const acked = !this.#consumerBlocked;
      this.#incoming.set(sequenceNumber, { message, acked });
      if (acked) this.#sendAck(message);
      return;
    }
    // In order. A refused (not ready) copy may already be held: keep that one.
    if (existing === undefined) this.#incoming.set(sequenceNumber, { message, acked: false });
    this.#drainIncoming();
  }

  #drainIncoming(): void {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        for (;;) {
          if (this.#closed) return;
          const sequenceNumber = this.#expectedSeq;
          const entry = this.#incoming.get(sequenceNumber);
          if (entry === undefined) break;
          if (!entry.acked && ACK_FIRST.has(entry.message.payloadType)) {
            this.#sendAck(entry.message);
            entry.acked = true;
          }
          let accepted: boolean;
          try {
            accepted = this.#deliver(entry.message);
          } catch (error) {
            logError(
              '%s: consumer threw on seq=%d, message skipped: %s',
              this.#role,
              sequenceNumber,
              (error as Error).message,
            );
            accepted = true;
          }
          if (this.#closed) return;
          this.#consumerBlocked = !accepted;
          if (!accepted) {
            this.stats.deliveriesRefused++;
            trace('%s: consumer not ready for seq=%d', this.#role, sequenceNumber);
            break;
          }
          this.#incoming.delete(sequenceNumber);
          this.#expectedSeq = sequenceNumber + 1;
          this.stats.messagesDelivered++;
          if (!entry.acked) {
            entry.acked = true;
            this.#sendAck(entry.message);
          }
        }
      } while (this.#drainAgain);
    } finally {
      this.#draining = false;
    }
  }

  #sendAck(message: ClientMessage): void {
    if (!this.#connected || this.#closed) return;
    const frame = encodeClientMessage({
      messageType: MessageType.Acknowledge,
      schemaVersion: SCHEMA_VERSION,
      createdDate: this.#createdDate(),
      sequenceNumber: 0,
      flags: MessageFlags.Ack,
      messageId: this.#randomUUID(),
      payloadType: PayloadType.Null,
      payload: encodeAcknowledge({
        acknowledgedMessageType: message.messageType,
        acknowledgedMessageId: message.messageId,
        acknowledgedMessageSequenceNumber: message.sequenceNumber,
        isSequentialMessage: true,
      }),
    });
    this.stats.acksSent++;
    trace('%s: ack seq=%d', this.#role, message.sequenceNumber);
    this.#transmit(frame);
  }

  #maybeEmitDrain(): void {
    if (this.#needDrain && this.writable) {
      this.#needDrain = false;
      this.emit('drain');
    }
  }

  #ensureTimer(): void {
    if (this.#timer !== undefined || this.#closed || this.#outgoing.size === 0) return;
    const timer = this.#clock.setTimeout(() => this.#onTick(), this.#resendIntervalMs);
    timer.unref?.();
    this.#timer = timer;
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #onTick(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    if (this.#connected && !this.#paused) {
      const now = this.#clock.now();
      const rto = this.estimator.rtoMs;
      if (this.#policy === 'faithful') {
        const oldest = this.#outgoing.values().next();
        if (!oldest.done) {
          const entry = oldest.value;
          if (entry.lastSent === undefined) this.#transmitEntry(entry);
          else if (now - entry.lastSent > rto) this.#retransmitEntry(entry, now);
        }
      } else {
        let budget = this.#maxPerTick;
        for (const entry of this.#outgoing.values()) {
          if (budget === 0 || this.#closed || !this.#connected) break;
          if (entry.lastSent === undefined) {
            this.#transmitEntry(entry);
            budget--;
          } else if (now - entry.lastSent > rto) {
            this.#retransmitEntry(entry, now);
            budget--;
          }
        }
      }
    }
    this.#ensureTimer();
  }

  #fail(error: ProtocolError): void {
    logError('%s: giving up: %s', this.#role, error.message);
    this.close();
    this.emit('error', error);
  }
}
