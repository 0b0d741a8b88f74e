/**
 * The smallest transport the data channels need: one WebSocket-like, message-oriented,
 * full-duplex connection. `ws` is adapted to it in `ws-socket.ts`; tests use the in-memory
 * pair from `@ssmkit/protocol/testing`.
 */
export interface DataChannelSocket {
  /** Send one binary frame (or, for the open frame only, a text frame). */
  send(data: Uint8Array | string): void;
  /** Close the connection; `code`/`reason` follow RFC 6455 where the transport has them. */
  close(code?: number, reason?: string): void;
  /** Bytes queued but not yet written to the network (WebSocket `bufferedAmount`). */
  readonly bufferedAmount: number;
  /** True while frames can be sent. */
  readonly isOpen: boolean;
  /** Register the handlers; called once, before any event is delivered. */
  setHandlers(handlers: DataChannelSocketHandlers): void;
  /** Send a WebSocket ping with this payload (no-op where the transport has none). */
  ping?(payload: Uint8Array): void;
}

/** Events a {@link DataChannelSocket} delivers. */
export interface DataChannelSocketHandlers {
  /** One received frame; `isBinary` is false for text frames. */
  message(data: Uint8Array, isBinary: boolean): void;
  /** The connection closed (cleanly or not). Delivered exactly once. */
  close(code: number, reason: string): void;
  /** A transport error; `close` follows. */
  error(error: Error): void;
  /** A pong (or any sign of life other than a data frame). Optional. */
  pong?(payload: Uint8Array): void;
  /** A ping was received (the transport answers it itself). Optional. */
  ping?(payload: Uint8Array): void;
}
