import { Duplex, type DuplexOptions } from 'node:stream';

/** What a {@link MuxStream} needs from its session. Implemented by `MuxSession`; not public API. */
export interface MuxStreamHost {
  /** Split `chunk` into PSH frames; call `callback` once the transport took the last one. */
  writeData(stream: MuxStream, chunk: Uint8Array, callback: (error?: Error | null) => void): void;
  /** Queue a FIN for `stream`; `callback` (if any) once the transport took it. */
  writeFin(stream: MuxStream, callback?: (error?: Error | null) => void): void;
  /** Return `bytes` of consumed stream data to the session-wide receive bucket. */
  releaseReceived(bytes: number): void;
  /** The stream is finished (FIN both ways) or destroyed: forget its id. */
  removeStream(stream: MuxStream): void;
}

/**
 * One smux stream: a Node `Duplex` carrying one tunnelled connection. Create it with
 * `MuxSession.openStream()` (client) or receive it from the session's `stream` event (server).
 *
 * - Writes become PSH frames of at most `maxFrameSize` data bytes. A write's callback waits
 *   while the transport is saturated, so `write()` returns false and `pipe()` pauses.
 * - `end()` sends FIN. When the peer's FIN arrives, the readable side ends after the data
 *   received before it. Once both FINs have been exchanged the session forgets the stream.
 * - `destroy()` sends FIN if it was not sent yet, and discards unread data.
 * - When the session closes, every open stream is destroyed with a `ProtocolError`
 *   (`ERR_PROTOCOL_CLOSED`): listen for `error`.
 *
 * @example
 * ```ts
 * const stream = session.openStream();
 * socket.pipe(stream).pipe(socket);
 * ```
 */
export class MuxStream extends Duplex {
  /** The smux stream id (client: odd from 3; server: even from 2). */
  readonly id: number;
  readonly #host: MuxStreamHost;
  /** Received data not yet handed to the readable buffer. */
  #inbox: Uint8Array[] = [];
  #inboxHead = 0;
  /** `_read` was called and nothing was pushed since, or the last push returned true. */
  #wantsData = false;
  /** Bytes counted against the session bucket, handed to the readable buffer, released. */
  #receivedBytes = 0;
  #pushedBytes = 0;
  #releasedBytes = 0;
  #remoteFin = false;
  #endPushed = false;
  #localFin = false;
  #detached = false;
  #sessionClosed = false;

  /** @internal Streams are created by `MuxSession`. */
  constructor(id: number, host: MuxStreamHost, options?: DuplexOptions) {
    super({ ...options, allowHalfOpen: true, decodeStrings: true, objectMode: false });
    this.id = id;
    this.#host = host;
  }

  /** True once the peer's FIN arrived. */
  get remoteFinished(): boolean {
    return this.#remoteFin;
  }

  /** True once this side's FIN was queued (by `end()` or `destroy()`). */
  get localFinished(): boolean {
    return this.#localFin;
  }

  // Consumption is observed here so the session bucket is credited only for data the consumer
  // actually took out of the readable buffer (Go smux: tokens are returned by Read).
  override read(size?: number): ReturnType<Duplex['read']> {
    const result: unknown = super.read(size);
    this.#account();
    return result;
  }

  /** @internal A PSH frame arrived (already counted against the bucket). Returns false if dropped. */
  _receiveData(data: Uint8Array): boolean {
    if (this.#remoteFin || this.#detached) return false;
    this.#receivedBytes += data.byteLength;
    if (this.#wantsData && this.#inboxHead === this.#inbox.length) {
      this.#pushChunk(data);
      this.#account();
    } else {
      this.#inbox.push(data);
    }
    return true;
  }

  /** @internal The peer's FIN arrived. */
  _receiveFin(): void {
    if (this.#remoteFin || this.#detached) return;
    this.#remoteFin = true;
    if (this.#inboxHead === this.#inbox.length) this.#pushEnd();
    if (this.#localFin) this.#host.removeStream(this);
  }

  /** @internal The session closed: destroy without sending FIN. */
  _sessionClose(error: Error): void {
    this.#sessionClosed = true;
    this.destroy(error);
  }

  override _read(): void {
    this.#wantsData = true;
    const inbox = this.#inbox;
    while (this.#wantsData && this.#inboxHead < inbox.length) {
      const chunk = inbox[this.#inboxHead] as Uint8Array;
      inbox[this.#inboxHead++] = EMPTY;
      this.#pushChunk(chunk);
    }
    if (this.#inboxHead === inbox.length) {
      this.#inbox = [];
      this.#inboxHead = 0;
      if (this.#remoteFin) this.#pushEnd();
    } else if (this.#inboxHead > 1024 && this.#inboxHead * 2 > inbox.length) {
      this.#inbox = inbox.slice(this.#inboxHead);
      this.#inboxHead = 0;
    }
    this.#account();
  }

  override _write(
    chunk: Uint8Array,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#host.writeData(this, chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#localFin = true;
    this.#host.writeFin(this, callback);
    if (this.#remoteFin) this.#host.removeStream(this);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#localFin && !this.#sessionClosed) {
      this.#localFin = true;
      this.#host.writeFin(this);
    }
    this.#localFin = true;
    this.#detach();
    callback(error);
  }

  #pushChunk(chunk: Uint8Array): void {
    this.#pushedBytes += chunk.byteLength;
    if (!this.push(chunk)) this.#wantsData = false;
  }

  #pushEnd(): void {
    if (this.#endPushed) return;
    this.#endPushed = true;
    this.push(null);
  }

  /** Credit the bucket with whatever left the readable buffer since the last call. */
  #account(): void {
    if (this.#detached) return;
    const consumed = this.#pushedBytes - this.readableLength;
    if (consumed > this.#releasedBytes) {
      const delta = Math.min(consumed, this.#receivedBytes) - this.#releasedBytes;
      if (delta > 0) {
        this.#releasedBytes += delta;
        this.#host.releaseReceived(delta);
      }
    }
  }

  /** Stop taking data, return everything still counted to the bucket, and leave the session. */
  #detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#inbox = [];
    this.#inboxHead = 0;
    const unreleased = this.#receivedBytes - this.#releasedBytes;
    this.#releasedBytes = this.#receivedBytes;
    if (unreleased > 0) this.#host.releaseReceived(unreleased);
    this.#host.removeStream(this);
  }
}

const EMPTY = new Uint8Array(0);
