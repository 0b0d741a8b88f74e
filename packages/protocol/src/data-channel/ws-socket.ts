import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import type { DataChannelSocket, DataChannelSocketHandlers } from '../socket.js';

type PendingEvent =
  | { kind: 'message'; data: Uint8Array; isBinary: boolean }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; error: Error }
  | { kind: 'ping' | 'pong'; payload: Uint8Array };

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) {
    const joined = Buffer.concat(data);
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Strips the query string (it can carry presigned credentials) for error messages. */
function redactUrl(url: string): string {
  const index = url.indexOf('?');
  return index < 0 ? url : `${url.slice(0, index)}?…`;
}

/**
 * Adapts a `ws` WebSocket to {@link DataChannelSocket}: binary frames as `Uint8Array`, text
 * frames for the open frame, pings/pongs, `bufferedAmount`, and exactly one `close` event.
 * Events that arrive before `setHandlers` are queued. The socket should already be open (see
 * {@link connectWebSocket}).
 */
export function createWsSocket(ws: WebSocket): DataChannelSocket {
  let handlers: DataChannelSocketHandlers | undefined;
  const early: PendingEvent[] = [];
  let closed = false;
  let corked = false;
  const dispatch = (event: PendingEvent): void => {
    if (handlers === undefined) {
      early.push(event);
      return;
    }
    switch (event.kind) {
      case 'message':
        handlers.message(event.data, event.isBinary);
        break;
      case 'close':
        handlers.close(event.code, event.reason);
        break;
      case 'error':
        handlers.error(event.error);
        break;
      case 'ping':
        handlers.ping?.(event.payload);
        break;
      case 'pong':
        handlers.pong?.(event.payload);
        break;
    }
  };
  ws.on('message', (data, isBinary) =>
    dispatch({ kind: 'message', data: toBytes(data), isBinary }),
  );
  ws.on('ping', (payload) => dispatch({ kind: 'ping', payload: toBytes(payload) }));
  ws.on('pong', (payload) => dispatch({ kind: 'pong', payload: toBytes(payload) }));
  ws.on('error', (error) => dispatch({ kind: 'error', error }));
  ws.on('close', (code, reason) => {
    if (closed) return;
    closed = true;
    dispatch({ kind: 'close', code, reason: reason.toString('utf8') });
  });
  return {
    send(data) {
      if (ws.readyState !== WebSocket.OPEN) return;
      // Frames sent in one tick leave in one write (one syscall instead of one per ~1 KiB
      // message and per ack): cork the TCP socket until the next tick. ws corks and uncorks
      // around each frame itself; the counts nest, so the bytes wait for this uncork.
      const transport = (ws as unknown as { _socket?: Duplex })._socket;
      // Private field of ws 8: used only if it still looks like a socket, else plain sends.
      if (!corked && typeof transport?.cork === 'function') {
        corked = true;
        transport.cork();
        process.nextTick(() => {
          corked = false;
          transport.uncork();
        });
      }
      // Errors surface through 'error' and 'close'; the callback keeps ws from throwing.
      ws.send(data, { binary: typeof data !== 'string' }, () => undefined);
    },
    close(code, reason) {
      if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
      if (ws.readyState === WebSocket.CONNECTING) {
        ws.terminate();
        return;
      }
      const validCode = code !== undefined && (code === 1000 || (code >= 3000 && code <= 4999));
      ws.close(validCode ? code : 1000, reason);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    setHandlers(next) {
      handlers = next;
      for (const event of early.splice(0)) dispatch(event);
    },
    ping(payload) {
      if (ws.readyState === WebSocket.OPEN) ws.ping(payload);
    },
  };
}

/** Options of {@link connectWebSocket}. */
export interface ConnectWebSocketOptions {
  /** Extra HTTP headers of the upgrade request (e.g. SigV4 `Authorization`, `X-Amz-Date`). */
  headers?: Record<string, string>;
  /** Abort the connection attempt. */
  signal?: AbortSignal;
  /** Give up if the upgrade takes longer. @default 30_000 */
  handshakeTimeoutMs?: number;
}

/**
 * Opens a WebSocket to `url` (the StreamUrl, used verbatim) and resolves with a connected
 * {@link DataChannelSocket}. Rejects with `ERR_PROTOCOL_TRANSPORT`; the message never contains
 * the URL's query string.
 *
 * @example
 * ```ts
 * channel.attach(await connectWebSocket(streamUrl), { tokenValue });
 * ```
 */
export function connectWebSocket(
  url: string,
  options: ConnectWebSocketOptions = {},
): Promise<DataChannelSocket> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted === true) {
      reject(
        new ProtocolError(
          ProtocolErrorCode.TRANSPORT,
          `connecting to ${redactUrl(url)} was aborted`,
          {
            cause: signal.reason,
            reason: 'transport',
          },
        ),
      );
      return;
    }
    const ws = new WebSocket(url, {
      headers: options.headers,
      perMessageDeflate: false,
      handshakeTimeout: options.handshakeTimeoutMs ?? 30_000,
    });
    const socket = createWsSocket(ws);
    let settled = false;
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('unexpected-response', onUnexpected);
    };
    const fail = (message: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      ws.terminate();
      reject(
        new ProtocolError(ProtocolErrorCode.TRANSPORT, message, { cause, reason: 'transport' }),
      );
    };
    const onOpen = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void =>
      fail(`WebSocket connection to ${redactUrl(url)} failed: ${error.message}`, error);
    const onUnexpected = (_request: unknown, response: { statusCode?: number }): void =>
      fail(
        `WebSocket upgrade to ${redactUrl(url)} was refused with HTTP ${response.statusCode ?? '?'}`,
      );
    const onAbort = (): void => fail(`connecting to ${redactUrl(url)} was aborted`, signal?.reason);
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('unexpected-response', onUnexpected);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
