import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { MuxDecoder } from './decoder.js';
import {
  MuxCommand,
  MuxDefaults,
  MuxFrameLayout as L,
  MuxVersion,
  describeMuxFrame,
  writeMuxHeader,
  type MuxFrame,
} from './frame.js';
import { log, logError, logTrace } from './logger.js';
import { MuxStream } from './mux-stream.js';

/** Which end of the smux session this is. */
export type MuxRole = 'client' | 'server';

/** Keep-alive settings of a {@link MuxSession} (Go `KeepAliveInterval`/`KeepAliveTimeout`). */
export interface MuxKeepAliveOptions {
  /** Send a NOP this often. @default 10_000 (ms) */
  intervalMs?: number;
  /**
   * Close the session if no frame at all arrived during one window of this length (unless the
   * receive bucket is exhausted). Must be at least `intervalMs`. @default 30_000 (ms)
   */
  timeoutMs?: number;
}

/** Options of {@link MuxSession}. */
export interface MuxSessionOptions {
  /**
   * `client` opens streams with odd ids 3, 5, 7, … (the official plugin's role); `server`
   * accepts them and emits `stream` (the agent's role). A server that opens streams uses even
   * ids from 2.
   */
  role: MuxRole;
  /**
   * Hand bytes to the peer (normally: append to the data channel's outgoing stream). Each call
   * carries whole frames; a SYN always goes alone as one 8-byte call. Return false when the
   * transport is saturated: the session then queues further frames and holds stream write
   * callbacks until {@link MuxSession.resumeOutput} is called. Do not call `resumeOutput()`
   * from inside `send`. The session does not copy or reuse the array after the call.
   */
  send: (chunk: Uint8Array) => boolean;
  /**
   * smux keep-alive. `false` (the default, and what the official plugin uses against agents
   * newer than 3.1.1511.0) sends no NOPs and never times out; `{}` uses Go's defaults
   * (10 s NOP, 30 s timeout).
   * @default false
   */
  keepAlive?: false | MuxKeepAliveOptions;
  /**
   * Session-wide receive bucket in bytes: stream data received but not yet read by the stream
   * consumers. When it is used up, {@link MuxSession.receive} returns false.
   * @default 4_194_304
   */
  maxReceiveBuffer?: number;
  /** Largest number of data bytes per PSH frame (1–65 535). @default 32_768 */
  maxFrameSize?: number;
  /** Time source for the keep-alive timers; inject a fake one in tests. @default systemClock */
  clock?: Clock;
  /**
   * For testing only: pretend stream ids up to this one were already used, to exercise id
   * exhaustion. @default 1 for a client, 0 for a server (first ids 3 and 2)
   */
  lastStreamId?: number;
}

interface PendingFrame {
  bytes: Uint8Array;
  callback: ((error?: Error | null) => void) | undefined;
}

type Callback = (error?: Error | null) => void;

/** Events of {@link MuxSession}. */
export interface MuxSessionEvents {
  /** Server role: the peer opened a stream (a SYN arrived). */
  stream: [stream: MuxStream];
  /** The receive bucket has room again after `receive()` returned false: feed more bytes. */
  'receive-drain': [];
  /** The session ended; `error` is undefined for a plain `close()`. Emitted once. */
  close: [error?: Error];
  /** Emitted before `close` when the session ends with an error, only if someone listens. */
  error: [error: Error];
}

function invalidOption(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.INVALID_FIELD, message, { reason: 'none' });
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw invalidOption(`smux option ${name} must be an integer in 1–${max}, got ${value}`);
  }
  return value;
}

/**
 * One smux v1 session (xtaci/smux v1.5.15/16 semantics, spec §7.4) over a byte transport you
 * provide: give it the peer's bytes with {@link MuxSession.receive} in any chunking, and it
 * calls `send` with its own. Both roles are one class: the official plugin is a `client`, the
 * SSM agent a `server`. The session does no I/O and uses timers only for keep-alive, through
 * the injected clock.
 *
 * Flow control (v1 has none per stream): received stream data counts against a session-wide
 * bucket until the stream consumer reads it. `receive()` returns false when the bucket is
 * exhausted, and the session emits `receive-drain` when it has room again. Outgoing, `send`
 * returning false pauses every stream's writes until `resumeOutput()`.
 *
 * @example
 * ```ts
 * const session = new MuxSession({ role: 'client', send: (bytes) => channel.write(bytes) });
 * channel.on('data', (bytes) => { if (!session.receive(bytes)) channel.pause(); });
 * session.on('receive-drain', () => channel.resume());
 * const stream = session.openStream();
 * socket.pipe(stream).pipe(socket);
 * ```
 */
export class MuxSession extends EventEmitter<MuxSessionEvents> {
  /** This end's role. */
  readonly role: MuxRole;
  /** Data bytes per PSH frame. */
  readonly maxFrameSize: number;
  /** Size of the receive bucket. */
  readonly maxReceiveBuffer: number;
  readonly #send: (chunk: Uint8Array) => boolean;
  readonly #clock: Clock;
  readonly #decoder = new MuxDecoder({ version: MuxVersion.V1 });
  readonly #streams = new Map<number, MuxStream>();
  #lastStreamId: number;
  #bucket: number;
  #receiveBlocked = false;
  #drainScheduled = false;
  #destroyed = false;
  #closeError: Error | undefined;

  #outputBlocked = false;
  #resumeCount = 0;
  #queue: PendingFrame[] = [];
  #queueHead = 0;
  #heldCallbacks: Callback[] = [];

  #frameReceived = false;
  #pingTimer: ClockTimer | undefined;
  #timeoutTimer: ClockTimer | undefined;

  constructor(options: MuxSessionOptions) {
    super();
    if (options.role !== 'client' && options.role !== 'server') {
      throw invalidOption(`smux role must be 'client' or 'server', got ${String(options.role)}`);
    }
    if (typeof options.send !== 'function') throw invalidOption('smux option send is required');
    this.role = options.role;
    this.#send = options.send;
    this.#clock = options.clock ?? systemClock;
    this.maxFrameSize = positiveInteger(
      'maxFrameSize',
      options.maxFrameSize ?? MuxDefaults.maxFrameSize,
      L.MAX_DATA_LENGTH,
    );
    this.maxReceiveBuffer = positiveInteger(
      'maxReceiveBuffer',
      options.maxReceiveBuffer ?? MuxDefaults.maxReceiveBuffer,
    );
    this.#bucket = this.maxReceiveBuffer;
    this.#lastStreamId = options.lastStreamId ?? (this.role === 'client' ? 1 : 0);
    const keepAlive = options.keepAlive ?? false;
    if (keepAlive !== false) {
      const intervalMs = positiveInteger(
        'keepAlive.intervalMs',
        keepAlive.intervalMs ?? MuxDefaults.keepAliveIntervalMs,
      );
      const timeoutMs = positiveInteger(
        'keepAlive.timeoutMs',
        keepAlive.timeoutMs ?? MuxDefaults.keepAliveTimeoutMs,
      );
      if (timeoutMs < intervalMs) {
        throw invalidOption(
          `smux keepAlive.timeoutMs (${timeoutMs}) must be at least keepAlive.intervalMs (${intervalMs})`,
        );
      }
      this.#schedulePing(intervalMs);
      this.#scheduleTimeoutCheck(timeoutMs);
    }
    log(
      'session open role=%s keepAlive=%o maxFrameSize=%d maxReceiveBuffer=%d',
      this.role,
      keepAlive,
      this.maxFrameSize,
      this.maxReceiveBuffer,
    );
  }

  /** True once the session has closed (locally, by error or by keep-alive timeout). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** The error the session closed with, if any. */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** Number of streams the session currently tracks (open, or finished in one direction only). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** True while `send` has returned false and `resumeOutput()` has not been called since. */
  get outputBlocked(): boolean {
    return this.#outputBlocked;
  }

  /** Frames waiting for the transport (queued while output is blocked). */
  get queuedFrames(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Bytes left in the receive bucket (negative when over-committed by a large last frame). */
  get receiveBucket(): number {
    return this.#bucket;
  }

  /**
   * Feed bytes received from the peer, in any chunking. Every complete frame in `chunk` is
   * processed, even while the bucket is exhausted. The session may keep views of `chunk`:
   * do not modify it afterwards.
   *
   * Never throws for peer input: a protocol error closes the session (`close` with a
   * `ProtocolError` `ERR_PROTOCOL_MUX_INVALID_FRAME`).
   *
   * @returns false when the receive bucket is exhausted (stop feeding until `receive-drain`)
   *   or the session is closed.
   */
  receive(chunk: Uint8Array): boolean {
    if (this.#destroyed) return false;
    try {
      for (const frame of this.#decoder.decode(chunk)) {
        this.#handleFrame(frame);
        if (this.#destroyed) return false;
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        logError('closing session: %s', error.message);
        this.close(error);
        return false;
      }
      throw error;
    }
    if (this.#bucket > 0) {
      this.#receiveBlocked = false;
      return true;
    }
    this.#receiveBlocked = true;
    return false;
  }

  /** The transport can take bytes again after `send` returned false: flush queued frames. */
  resumeOutput(): void {
    if (this.#destroyed) return;
    this.#resumeCount++;
    if (!this.#outputBlocked) return;
    this.#outputBlocked = false;
    // Frames whose send() returned false were taken by the transport: complete their writes,
    // then send what queued up behind them (writes released here queue after it, in order).
    const held = this.#heldCallbacks;
    this.#heldCallbacks = [];
    for (const callback of held) callback();
    this.#flush();
  }

  /**
   * Open a stream: allocates the next id and sends SYN (8 bytes, alone). The official plugin
   * does this for every accepted local connection.
   *
   * @throws {ProtocolError} `ERR_PROTOCOL_CLOSED` if the session is closed or the 32-bit
   *   stream ids are exhausted (open a new session then).
   */
  openStream(): MuxStream {
    if (this.#destroyed) {
      throw new ProtocolError(
        ProtocolErrorCode.CLOSED,
        'smux session is closed; cannot open a stream',
        { cause: this.#closeError, reason: 'closed' },
      );
    }
    const id = this.#lastStreamId + 2;
    if (id > L.MAX_STREAM_ID) {
      throw new ProtocolError(
        ProtocolErrorCode.CLOSED,
        `smux stream ids are exhausted (last id ${this.#lastStreamId}); open a new session`,
        { reason: 'none' },
      );
    }
    this.#lastStreamId = id;
    const stream = new MuxStream(id, this);
    this.#streams.set(id, stream);
    log('stream %d open (local)', id);
    this.#enqueue(controlBytes(MuxCommand.Syn, id), undefined);
    return stream;
  }

  /**
   * End the session. Open streams are destroyed with `ERR_PROTOCOL_CLOSED`; queued frames are
   * dropped; nothing is sent (smux has no goodbye). Emits `error` (only if listened to) and then
   * `close`, once.
   */
  close(error?: Error): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closeError = error;
    if (this.#pingTimer !== undefined) this.#clock.clearTimeout(this.#pingTimer);
    if (this.#timeoutTimer !== undefined) this.#clock.clearTimeout(this.#timeoutTimer);
    this.#pingTimer = undefined;
    this.#timeoutTimer = undefined;
    const pending = this.#heldCallbacks;
    for (let index = this.#queueHead; index < this.#queue.length; index++) {
      const callback = this.#queue[index]?.callback;
      if (callback !== undefined) pending.push(callback);
    }
    this.#queue = [];
    this.#queueHead = 0;
    this.#heldCallbacks = [];
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    log('session close streams=%d error=%s', streams.length, error?.message);
    for (const stream of streams) {
      stream._sessionClose(
        new ProtocolError(
          ProtocolErrorCode.CLOSED,
          error === undefined
            ? `smux session closed while stream ${stream.id} was open`
            : `smux session closed while stream ${stream.id} was open: ${error.message}`,
          { cause: error, reason: 'closed' },
        ),
      );
    }
    // Writes still waiting for the transport fail (their streams are already destroyed).
    if (pending.length > 0) {
      const writeError = new ProtocolError(
        ProtocolErrorCode.CLOSED,
        'smux session closed before the write reached the transport',
        { cause: error, reason: 'closed' },
      );
      for (const callback of pending) callback(writeError);
    }
    if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('close', error);
  }

  // --- MuxStreamHost ---------------------------------------------------------------------

  /** @internal */
  writeData(stream: MuxStream, chunk: Uint8Array, callback: Callback): void {
    if (this.#destroyed) {
      callback(this.#closedError(stream.id));
      return;
    }
    const total = chunk.byteLength;
    if (total === 0) {
      callback();
      return;
    }
    const max = this.maxFrameSize;
    for (let offset = 0; offset < total; offset += max) {
      const length = Math.min(max, total - offset);
      const bytes = Buffer.allocUnsafe(L.HEADER_SIZE + length);
      writeMuxHeader(bytes, MuxVersion.V1, MuxCommand.Psh, stream.id, length);
      bytes.set(chunk.subarray(offset, offset + length), L.HEADER_SIZE);
      const last = offset + length >= total;
      this.#enqueue(bytes, last ? callback : undefined);
    }
  }

  /** @internal */
  writeFin(stream: MuxStream, callback?: Callback): void {
    if (this.#destroyed) {
      callback?.(this.#closedError(stream.id));
      return;
    }
    log('stream %d FIN sent', stream.id);
    this.#enqueue(controlBytes(MuxCommand.Fin, stream.id), callback);
  }

  /** @internal */
  releaseReceived(bytes: number): void {
    if (this.#destroyed) return;
    this.#bucket += bytes;
    if (this.#receiveBlocked && this.#bucket > 0 && !this.#drainScheduled) {
      this.#drainScheduled = true;
      queueMicrotask(() => {
        this.#drainScheduled = false;
        if (this.#destroyed || !this.#receiveBlocked || this.#bucket <= 0) return;
        this.#receiveBlocked = false;
        this.emit('receive-drain');
      });
    }
  }

  /** @internal */
  removeStream(stream: MuxStream): void {
    if (this.#streams.get(stream.id) === stream) {
      this.#streams.delete(stream.id);
      log('stream %d removed (streams=%d)', stream.id, this.#streams.size);
    }
  }

  // --- internals -------------------------------------------------------------------------

  #handleFrame(frame: MuxFrame): void {
    this.#frameReceived = true;
    if (logTrace.enabled) logTrace('recv %s', describeMuxFrame(frame));
    switch (frame.command) {
      case MuxCommand.Nop:
        return;
      case MuxCommand.Psh: {
        const length = frame.data.byteLength;
        if (length === 0) return;
        const stream = this.#streams.get(frame.streamId);
        if (stream === undefined) {
          if (logTrace.enabled)
            logTrace('discard %d bytes for unknown stream %d', length, frame.streamId);
          return;
        }
        // Count first: delivering may hand the bytes to a 'data' listener, which releases them.
        this.#bucket -= length;
        if (!stream._receiveData(frame.data)) this.#bucket += length;
        return;
      }
      case MuxCommand.Syn: {
        if (this.role === 'client') {
          log('ignoring SYN for stream %d: a client session accepts no streams', frame.streamId);
          return;
        }
        if (this.#streams.has(frame.streamId)) return;
        const stream = new MuxStream(frame.streamId, this);
        this.#streams.set(frame.streamId, stream);
        log('stream %d open (remote)', frame.streamId);
        this.emit('stream', stream);
        return;
      }
      case MuxCommand.Fin: {
        const stream = this.#streams.get(frame.streamId);
        if (stream === undefined) return;
        log('stream %d FIN received', frame.streamId);
        stream._receiveFin();
        return;
      }
      case MuxCommand.Upd:
        // v2 window update; a v1 session has no per-stream window.
        return;
    }
  }

  #enqueue(bytes: Uint8Array, callback: Callback | undefined): void {
    if (this.#outputBlocked || this.#queueHead < this.#queue.length) {
      this.#queue.push({ bytes, callback });
      return;
    }
    this.#sendNow(bytes, callback);
  }

  /** Hand one frame to the transport; on false, block output and hold its callback. */
  #sendNow(bytes: Uint8Array, callback: Callback | undefined): void {
    const resumeCount = this.#resumeCount;
    let accepted: boolean;
    try {
      accepted = this.#send(bytes);
    } catch (error) {
      this.close(
        new ProtocolError(ProtocolErrorCode.TRANSPORT, 'smux transport send() threw', {
          cause: error,
          reason: 'transport',
        }),
      );
      return;
    }
    if (this.#destroyed) return;
    if (accepted || resumeCount !== this.#resumeCount) {
      callback?.();
      return;
    }
    this.#outputBlocked = true;
    if (callback !== undefined) this.#heldCallbacks.push(callback);
  }

  #flush(): void {
    while (!this.#outputBlocked && !this.#destroyed && this.#queueHead < this.#queue.length) {
      const frame = this.#queue[this.#queueHead] as PendingFrame;
      this.#queue[this.#queueHead++] = DONE;
      this.#sendNow(frame.bytes, frame.callback);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    }
  }

  #schedulePing(intervalMs: number): void {
    this.#pingTimer = this.#clock.setTimeout(() => {
      if (this.#destroyed) return;
      // Like Go's deadline-bound ping: skip it if the transport is saturated.
      if (!this.#outputBlocked && this.#queueHead === this.#queue.length) {
        if (logTrace.enabled) logTrace('send NOP');
        this.#sendNow(controlBytes(MuxCommand.Nop, 0), undefined);
      }
      if (!this.#destroyed) this.#schedulePing(intervalMs);
    }, intervalMs);
    this.#pingTimer.unref?.();
  }

  #scheduleTimeoutCheck(timeoutMs: number): void {
    this.#timeoutTimer = this.#clock.setTimeout(() => {
      if (this.#destroyed) return;
      if (!this.#frameReceived && this.#bucket > 0) {
        logError('keep-alive timeout: no frame in %d ms', timeoutMs);
        this.close(
          new ProtocolError(
            ProtocolErrorCode.CLOSED,
            `smux keep-alive timeout: no frame arrived from the peer in ${timeoutMs} ms`,
            { reason: 'transport' },
          ),
        );
        return;
      }
      this.#frameReceived = false;
      this.#scheduleTimeoutCheck(timeoutMs);
    }, timeoutMs);
    this.#timeoutTimer.unref?.();
  }

  #closedError(streamId: number): ProtocolError {
    return new ProtocolError(
      ProtocolErrorCode.CLOSED,
      `smux session is closed; cannot write to stream ${streamId}`,
      { cause: this.#closeError, reason: 'closed' },
    );
  }
}

const DONE: PendingFrame = { bytes: new Uint8Array(0), callback: undefined };

function controlBytes(command: MuxCommand, streamId: number): Uint8Array {
  const bytes = new Uint8Array(L.HEADER_SIZE);
  writeMuxHeader(bytes, MuxVersion.V1, command, streamId, 0);
  return bytes;
}
