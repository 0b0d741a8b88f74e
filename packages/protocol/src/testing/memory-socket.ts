import type { DataChannelSocket, DataChannelSocketHandlers } from '../socket.js';

/** One frame in flight between two {@link MemorySocket}s. */
export interface MemoryFrame {
  readonly data: Uint8Array;
  /** False for text frames (the open-data-channel JSON). */
  readonly isBinary: boolean;
}

/** Decides what happens to a frame `from` sends to `to`; the default forwards it unchanged. */
export type MemoryRoute = (frame: MemoryFrame, forward: (frame: MemoryFrame) => void) => void;

const encoder = new TextEncoder();

type PendingEvent =
  | { kind: 'message'; data: Uint8Array; isBinary: boolean }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'ping' | 'pong'; payload: Uint8Array };

/**
 * One end of an in-memory, message-oriented connection implementing {@link DataChannelSocket}.
 * Frames are delivered asynchronously (in a microtask), in order, and count towards the sender's
 * {@link bufferedAmount} until delivered. Create pairs with `createSocketPair()`.
 */
export class MemorySocket implements DataChannelSocket {
  /** The other end (set by the connection). */
  peer!: MemorySocket;
  /** Frames sent by this end (counted when handed to the route). */
  framesSent = 0;
  /** Pings sent by this end. */
  pingsSent = 0;
  #bufferedAmount = 0;
  #handlers: DataChannelSocketHandlers | undefined;
  readonly #early: PendingEvent[] = [];
  readonly #inbound: { frame: MemoryFrame; from: MemorySocket }[] = [];
  #flushScheduled = false;
  readonly #connection: MemoryConnection;

  constructor(connection: MemoryConnection) {
    this.#connection = connection;
  }

  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  get isOpen(): boolean {
    return !this.#connection.closed;
  }

  setHandlers(handlers: DataChannelSocketHandlers): void {
    this.#handlers = handlers;
    for (const event of this.#early.splice(0)) this.#dispatch(event);
  }

  send(data: Uint8Array | string): void {
    if (!this.isOpen) return;
    this.framesSent++;
    const frame: MemoryFrame =
      typeof data === 'string'
        ? { data: encoder.encode(data), isBinary: false }
        : { data: data.slice(), isBinary: true };
    this.#connection.route(this, frame);
  }

  close(code = 1000, reason = ''): void {
    this.#connection.close(code, reason, false);
  }

  ping(payload: Uint8Array): void {
    if (!this.isOpen) return;
    this.pingsSent++;
    const copy = payload.slice();
    queueMicrotask(() => {
      if (this.#connection.killed) return;
      this.peer._event({ kind: 'ping', payload: copy });
      this._event({ kind: 'pong', payload: copy });
    });
  }

  /** @internal Queues a frame from `from` for delivery to this end. */
  _enqueue(frame: MemoryFrame, from: MemorySocket): void {
    if (this.#connection.killed) return;
    from.#bufferedAmount += frame.data.byteLength;
    this.#inbound.push({ frame, from });
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /** @internal */
  _event(event: PendingEvent): void {
    if (this.#handlers === undefined) this.#early.push(event);
    else this.#dispatch(event);
  }

  /** @internal Drops undelivered frames (connection killed). */
  _discardInbound(): void {
    for (const { frame, from } of this.#inbound.splice(0)) {
      from.#bufferedAmount -= frame.data.byteLength;
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    while (this.#inbound.length > 0) {
      const item = this.#inbound.shift()!;
      item.from.#bufferedAmount -= item.frame.data.byteLength;
      if (this.#connection.killed) continue;
      this._event({ kind: 'message', data: item.frame.data, isBinary: item.frame.isBinary });
    }
  }

  #dispatch(event: PendingEvent): void {
    const handlers = this.#handlers!;
    switch (event.kind) {
      case 'message':
        handlers.message(event.data, event.isBinary);
        break;
      case 'close':
        handlers.close(event.code, event.reason);
        break;
      case 'ping':
        handlers.ping?.(event.payload);
        break;
      case 'pong':
        handlers.pong?.(event.payload);
        break;
    }
  }
}

/** @internal The shared state of two {@link MemorySocket}s. */
export class MemoryConnection {
  readonly a: MemorySocket;
  readonly b: MemorySocket;
  closed = false;
  killed = false;
  readonly #routeAToB: MemoryRoute | undefined;
  readonly #routeBToA: MemoryRoute | undefined;

  constructor(routeAToB?: MemoryRoute, routeBToA?: MemoryRoute) {
    this.a = new MemorySocket(this);
    this.b = new MemorySocket(this);
    this.a.peer = this.b;
    this.b.peer = this.a;
    this.#routeAToB = routeAToB;
    this.#routeBToA = routeBToA;
  }

  route(from: MemorySocket, frame: MemoryFrame): void {
    const to = from.peer;
    const forward = (forwarded: MemoryFrame): void => {
      if (!this.closed) to._enqueue(forwarded, from);
    };
    const route = from === this.a ? this.#routeAToB : this.#routeBToA;
    if (route === undefined) forward(frame);
    else route(frame, forward);
  }

  /** Closes both ends; `kill` drops frames still in flight (like a dead TCP connection). */
  close(code: number, reason: string, kill: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (kill) {
      this.killed = true;
      this.a._discardInbound();
      this.b._discardInbound();
    }
    // Scheduled after any frame flush already queued, so a graceful close delivers them first.
    queueMicrotask(() => {
      this.a._event({ kind: 'close', code, reason });
      this.b._event({ kind: 'close', code, reason });
    });
  }
}

/** Two connected in-memory sockets plus a `kill()` that drops the connection abruptly. */
export interface SocketPair {
  /** Conventionally the client end. */
  readonly client: MemorySocket;
  /** Conventionally the agent end. */
  readonly agent: MemorySocket;
  /** Both ends see `close(1006)`; frames in flight are lost. */
  kill(): void;
}

/**
 * Creates two connected in-memory {@link DataChannelSocket}s: asynchronous, ordered delivery,
 * `bufferedAmount`, text frames, pings answered with pongs, `close` delivered exactly once to
 * both ends.
 *
 * @example
 * ```ts
 * const { client, agent } = createSocketPair();
 * clientChannel.attach(client, { tokenValue: 'token' });
 * agentChannel.attach(agent);
 * ```
 */
export function createSocketPair(): SocketPair {
  const connection = new MemoryConnection();
  return {
    client: connection.a,
    agent: connection.b,
    kill: () => connection.close(1006, 'connection killed', true),
  };
}
