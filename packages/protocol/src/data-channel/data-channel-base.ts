import { randomUUID as nodeRandomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import createDebug from 'debug';
import {
  ReliableChannel,
  type ChannelRole,
  type ReliableChannelOptions,
  type RetransmissionPolicy,
} from '../channel/reliable-channel.js';
import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import type { DataChannelSocket } from '../socket.js';
import {
  decodeClientMessage,
  describeClientMessage,
  encodeClientMessage,
  type ClientMessage,
} from '../wire/client-message.js';
import {
  KEEPALIVE_PING_PAYLOAD,
  MessageType,
  PayloadType,
  SCHEMA_VERSION,
} from '../wire/constants.js';
import {
  decodeChannelClosed,
  encodeFlag,
  type ChannelClosedContent,
} from '../wire/payloads/index.js';

const log = createDebug('ssmkit:protocol:channel');
const logError = createDebug('ssmkit:protocol:channel:error');
const trace = createDebug('ssmkit:protocol:channel:trace');

const KEEPALIVE_BYTES = new TextEncoder().encode(KEEPALIVE_PING_PAYLOAD);

/** Reliability settings other than the role, hooks and retransmission policy. */
export type ReliabilityTuning = Partial<
  Omit<
    ReliableChannelOptions,
    'role' | 'transmit' | 'deliver' | 'clock' | 'randomUUID' | 'retransmission'
  >
>;

/** Options shared by {@link ClientDataChannel} and {@link AgentDataChannel}. */
export interface DataChannelOptions {
  /** Time source for retransmission, keep-alive and handshake timers. @default systemClock */
  clock?: Clock;
  /** MessageId / RequestId generator (for tests). @default crypto.randomUUID */
  randomUUID?: () => string;
  /** Retransmission policy (§5.6). @default `'fast'` (client), `'faithful'` (agent) */
  retransmission?: RetransmissionPolicy;
  /** Further reliability knobs (back-pressure bounds, resend limit, buffer capacity). */
  reliability?: ReliabilityTuning;
  /**
   * Interval of WebSocket pings with payload `keepalive`; the first goes out right after
   * attaching. `0` disables them. @default 30_000 (client), 54_000 (agent)
   */
  keepAliveIntervalMs?: number;
  /**
   * Treat the socket as dead when nothing (no frame, pong or ping) arrived from the peer for this
   * long: it is closed and `'socket-close'` (code 4000) is emitted so the owner reconnects.
   * Checked at each keep-alive ping. `0` disables the check (the official client has none; the
   * real agent uses 60 s after its 54 s pings). @default 0
   */
  keepAliveTimeoutMs?: number;
  /** Check SHA-256 payload digests of received frames. @default true */
  verifyDigest?: boolean;
}

/**
 * Consumer of session data installed with {@link DataChannelBase.setDataConsumer}. Return
 * `false` when not ready: the message stays unacknowledged and is offered again later.
 */
export type DataConsumer = (payload: Uint8Array, payloadType: number) => boolean;

/** Events common to both data-channel roles. */
export interface DataChannelEvents {
  /**
   * Session data in order, exactly once: Output (1) — and for the client StdErr (11) and
   * ExitCode (12). Only emitted while no {@link DataConsumer} is installed, someone listens and
   * {@link DataChannelBase.pauseData} is not in effect; otherwise data waits unacknowledged.
   */
  data: [payload: Uint8Array, payloadType: number];
  /** A Flag message (PayloadType 10), e.g. ConnectToPortError or TerminateSession. */
  flag: [flag: number];
  /** `sendData`/`sendFlag` returned false earlier; the channel can take more now. */
  drain: [];
  /** The service ended the session (`channel_closed`); the channel closes right after. */
  'channel-closed': [content: ChannelClosedContent];
  /**
   * The current socket closed. Sequence state is kept: attach a new socket to continue
   * (client: after ResumeSession with a new token).
   */
  'socket-close': [code: number, reason: string];
  /** Publication paused by the peer side (`pause_publication`). */
  pause: [];
  /** Publication resumed. */
  resume: [];
  /** The channel is finished; `error` is set when it failed (e.g. retransmit limit). Once. */
  close: [error?: Error];
  /** Emitted before `close` when the channel failed, only if someone listens. */
  error: [error: Error];
}

/**
 * Machinery shared by both roles: socket attachment and reattachment, frame decoding and
 * dispatch, the {@link ReliableChannel}, data readiness, keep-alive pings and closing.
 */
export abstract class DataChannelBase<
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Events extends Record<keyof Events, any[]> & DataChannelEvents = DataChannelEvents,
> extends EventEmitter<Events> {
  /** The reliable channel (sequence numbers, acks, retransmission); exposed for stats and tests. */
  readonly channel: ReliableChannel;
  protected readonly clock: Clock;
  protected readonly randomUUID: () => string;
  readonly #role: ChannelRole;
  readonly #keepAliveIntervalMs: number;
  readonly #keepAliveTimeoutMs: number;
  #lastHeard = 0;
  readonly #verifyDigest: boolean;
  #socket: DataChannelSocket | undefined;
  #generation = 0;
  #pingTimer: ClockTimer | undefined;
  #dataConsumer: DataConsumer | undefined;
  #dataPaused = false;
  #needDrain = false;
  #closed = false;

  protected constructor(
    role: ChannelRole,
    options: DataChannelOptions,
    keepAliveDefaultMs: number,
  ) {
    super();
    this.#role = role;
    this.clock = options.clock ?? systemClock;
    this.randomUUID = options.randomUUID ?? nodeRandomUUID;
    this.#keepAliveIntervalMs = options.keepAliveIntervalMs ?? keepAliveDefaultMs;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 0;
    this.#verifyDigest = options.verifyDigest ?? true;
    const channelOptions: ReliableChannelOptions = {
      ...options.reliability,
      role,
      clock: this.clock,
      randomUUID: this.randomUUID,
      transmit: (frame) => this.#transmit(frame),
      deliver: (message) => this.onStreamMessage(message),
    };
    if (options.retransmission !== undefined)
      channelOptions.retransmission = options.retransmission;
    this.channel = new ReliableChannel(channelOptions);
    this.channel.on('drain', () => this.notifyWritable());
    this.channel.on('pause', () => this.emitEvent('pause'));
    this.channel.on('resume', () => this.emitEvent('resume'));
    this.channel.on('error', (error) => this.fail(error));
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'data') queueMicrotask(() => this.channel.retryDelivery());
    });
  }

  /** True while a socket is attached and open. */
  get isConnected(): boolean {
    return this.#socket?.isOpen === true;
  }

  /** True once {@link close} ran or the channel failed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** True when `sendData` would currently return true. */
  get writable(): boolean {
    return this.channel.writable;
  }

  /**
   * Installs (or, with `undefined`, removes) the single consumer of session data. While one is
   * installed, `'data'` events are not emitted. Used by the smux helpers.
   */
  setDataConsumer(consumer: DataConsumer | undefined): void {
    this.#dataConsumer = consumer;
    if (consumer !== undefined) queueMicrotask(() => this.channel.retryDelivery());
  }

  /** Stops delivering `'data'` (incoming data stays unacknowledged, so the peer holds it). */
  pauseData(): void {
    this.#dataPaused = true;
  }

  /** Resumes `'data'` delivery after {@link pauseData}. */
  resumeData(): void {
    this.#dataPaused = false;
    this.channel.retryDelivery();
  }

  /** Offers data refused earlier by the {@link DataConsumer} again. */
  retryDelivery(): void {
    this.channel.retryDelivery();
  }

  /**
   * Sends one Flag message (PayloadType 10). Returns false under back-pressure.
   * @throws {ProtocolError} `ERR_PROTOCOL_CLOSED` after close.
   */
  sendFlag(flag: number): boolean {
    return this.sendStream(PayloadType.Flag, encodeFlag(flag));
  }

  /** Sends one stream message and arms `'drain'` when it returns false. */
  protected sendStream(payloadType: number, payload: Uint8Array): boolean {
    const ok = this.channel.send(payloadType, payload);
    if (!ok) this.#needDrain = true;
    return ok;
  }

  /**
   * Pauses our transmission of stream messages as if `pause_publication` arrived (the emulator's
   * service layer uses this); acks still flow.
   */
  pausePublication(): void {
    this.channel.pause();
  }

  /** Resumes transmission as if `start_publication` arrived. */
  startPublication(): void {
    this.channel.resume();
  }

  /** Closes the channel and its socket. Idempotent; emits `'close'` once. */
  close(): void {
    this.finish(undefined);
  }

  /** Sends a non-sequenced frame (ack-like header) straight to the socket if it is open. */
  protected sendServiceFrame(messageType: string, flags: number, payload: Uint8Array): boolean {
    const socket = this.#socket;
    if (socket === undefined || !socket.isOpen) return false;
    socket.send(
      encodeClientMessage({
        messageType,
        schemaVersion: SCHEMA_VERSION,
        createdDate: Math.max(1, Math.floor(this.clock.now())),
        sequenceNumber: 0,
        flags,
        messageId: this.randomUUID(),
        payloadType: PayloadType.Null,
        payload,
      }),
    );
    return true;
  }

  /**
   * Attaches `socket` (replacing and closing any previous one), registers its handlers, lets
   * `beforeConnect` send what must precede binary frames (the open frame), then marks the
   * channel connected so buffered messages go out.
   */
  protected attachSocket(socket: DataChannelSocket, beforeConnect?: () => void): void {
    if (this.#closed) {
      throw new ProtocolError(
        ProtocolErrorCode.CLOSED,
        'cannot attach a socket to a closed data channel',
        {
          reason: 'closed',
        },
      );
    }
    if (!socket.isOpen) {
      throw new ProtocolError(
        ProtocolErrorCode.TRANSPORT,
        'the socket passed to attach() is not open; wait for it to connect first',
        { reason: 'transport' },
      );
    }
    const previous = this.#socket;
    const generation = ++this.#generation;
    if (previous !== undefined) {
      this.channel.setConnected(false);
      this.#stopPing();
      if (previous.isOpen) previous.close(1000, 'replaced by a new connection');
    }
    this.#socket = socket;
    this.#lastHeard = this.clock.now();
    const heard = (): void => {
      if (generation === this.#generation) this.#lastHeard = this.clock.now();
    };
    socket.setHandlers({
      message: (data, isBinary) => {
        if (generation !== this.#generation) return;
        this.#lastHeard = this.clock.now();
        this.#onFrame(data, isBinary);
      },
      close: (code, reason) => {
        if (generation === this.#generation) this.#onSocketClose(code, reason);
      },
      error: (error) => {
        if (generation === this.#generation)
          logError('%s: socket error: %s', this.#role, error.message);
      },
      pong: heard,
      ping: heard,
    });
    log('%s: socket attached (generation %d)', this.#role, generation);
    beforeConnect?.();
    this.channel.setConnected(true);
    this.#startPing();
  }

  /** Handles one in-order stream message; return false when not ready (no ack). */
  protected abstract onStreamMessage(message: ClientMessage): boolean;

  /** Whether text frames are decoded (client: yes, like the plugin; agent: no, they are open frames). */
  protected abstract readonly decodesTextFrames: boolean;

  /** Offers session data to the consumer or the `'data'` listeners. */
  protected deliverData(payload: Uint8Array, payloadType: number): boolean {
    const consumer = this.#dataConsumer;
    if (consumer !== undefined) return consumer(payload, payloadType);
    if (this.#dataPaused || (this as EventEmitter).listenerCount('data') === 0) return false;
    this.emitEvent('data', payload, payloadType);
    return true;
  }

  /** Emits one of the common events (typed against {@link DataChannelEvents}). */
  protected emitEvent<K extends keyof DataChannelEvents>(
    event: K,
    ...args: DataChannelEvents[K]
  ): void {
    (this as EventEmitter).emit(event, ...args);
  }

  /** Records that a send returned false, so `'drain'` follows. */
  protected markNeedDrain(): void {
    this.#needDrain = true;
  }

  /** Emits `'drain'` if a sender is waiting and the channel is writable. */
  protected notifyWritable(): void {
    if (this.#needDrain && this.writable && !this.#closed) {
      this.#needDrain = false;
      this.emitEvent('drain');
    }
  }

  /** Fails the channel with `error`. */
  protected fail(error: Error): void {
    this.finish(error);
  }

  /** Stops everything, closes the socket and emits `error` (if listened to) and `close`. */
  protected finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPing();
    this.channel.close();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#generation++;
    if (socket?.isOpen === true) socket.close(1000, error === undefined ? 'closed' : 'failed');
    this.onFinish();
    if (error !== undefined) {
      logError('%s: channel failed: %s', this.#role, error.message);
      if ((this as EventEmitter).listenerCount('error') > 0) this.emitEvent('error', error);
    }
    this.emitEvent('close', error);
  }

  /** Hook for subclasses to release their own timers. */
  protected onFinish(): void {}

  /** Non-stream messages other than acks and publication control. */
  protected onServiceMessage(message: ClientMessage): void {
    switch (message.messageType) {
      case MessageType.ChannelClosed: {
        let content: ChannelClosedContent;
        try {
          content = decodeChannelClosed(message.payload);
        } catch {
          content = {
            messageId: message.messageId,
            createdDate: String(message.createdDate),
            destinationId: '',
            sessionId: '',
            messageType: MessageType.ChannelClosed,
            schemaVersion: 1,
            output: '',
          };
        }
        log('%s: channel_closed received', this.#role);
        this.emitEvent('channel-closed', content);
        this.finish(undefined);
        return;
      }
      case MessageType.AgentSessionState:
        trace('%s: ignoring agent_session_state', this.#role);
        return;
      default:
        log('%s: ignoring unknown message type %s', this.#role, message.messageType);
    }
  }

  #transmit(frame: Uint8Array): void {
    const socket = this.#socket;
    if (socket === undefined || !socket.isOpen) return;
    try {
      socket.send(frame);
    } catch (error) {
      logError('%s: socket send failed: %s', this.#role, (error as Error).message);
    }
  }

  #onFrame(data: Uint8Array, isBinary: boolean): void {
    if (this.#closed) return;
    if (!isBinary && !this.decodesTextFrames) {
      trace('%s: ignoring text frame', this.#role);
      return;
    }
    let message: ClientMessage;
    try {
      message = decodeClientMessage(data, { verifyDigest: this.#verifyDigest });
    } catch (error) {
      logError(
        '%s: dropping undecodable frame (%d bytes): %s',
        this.#role,
        data.byteLength,
        (error as Error).message,
      );
      return;
    }
    if (trace.enabled) trace('%s: recv %s', this.#role, describeClientMessage(message));
    if (!this.channel.handleMessage(message)) this.onServiceMessage(message);
  }

  #onSocketClose(code: number, reason: string): void {
    log('%s: socket closed code=%d', this.#role, code);
    this.#socket = undefined;
    this.#generation++;
    this.#stopPing();
    this.channel.setConnected(false);
    this.emitEvent('socket-close', code, reason);
  }

  #startPing(): void {
    const interval = this.#keepAliveIntervalMs;
    if (interval <= 0) return;
    const ping = (): void => {
      this.#pingTimer = undefined;
      const socket = this.#socket;
      if (socket === undefined || !socket.isOpen || this.#closed) return;
      const silentMs = this.clock.now() - this.#lastHeard;
      if (this.#keepAliveTimeoutMs > 0 && silentMs > this.#keepAliveTimeoutMs) {
        log('%s: nothing heard for %d ms; dropping the socket', this.#role, silentMs);
        this.#onSocketClose(4000, 'keep-alive timeout');
        socket.close(4000, 'keep-alive timeout');
        return;
      }
      trace('%s: ping', this.#role);
      socket.ping?.(KEEPALIVE_BYTES);
      const timer = this.clock.setTimeout(ping, interval);
      timer.unref?.();
      this.#pingTimer = timer;
    };
    ping();
  }

  #stopPing(): void {
    if (this.#pingTimer === undefined) return;
    this.clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
  }
}
