// The client side of a pattern transfer (see pattern-server.ts): sends the header and `upLength`
// bytes of its own pattern stream, half-closes, and reads the server's stream plus trailer.
import { once } from 'node:events';
import net from 'node:net';
import {
  PATTERN_HEADER_BYTES,
  PATTERN_MAGIC,
  PATTERN_TRAILER_BYTES,
  serverSeedFor,
} from './pattern-server.js';
import { ByteTally, PatternStream, patternDigest } from './pattern-stream.js';

/** What one pattern transfer saw, for `expect()`: each `actual` must equal its `expected`. */
export interface PatternTransferResult {
  seed: number;
  /** Client → server: what the client sent vs what the server says it received (trailer). */
  up: { expected: { length: number; sha256: string }; actual: { length: number; sha256: string } };
  /** Server → client: the server's pattern stream vs what the client received before the trailer. */
  down: {
    expected: { length: number; sha256: string };
    actual: { length: number; sha256: string };
  };
  /** The connection ended with an error (reset) instead of a clean close. */
  error: string | undefined;
}

export interface PatternClientOptions {
  host?: string;
  port: number;
  seed: number;
  upLength: number;
  downLength: number;
  /** Write chunk size. @default 64 KiB */
  chunkSize?: number;
  /** Awaited once connected, before anything is sent (e.g. to start many connections first). */
  beforeSend?: () => Promise<void>;
}

/** Runs one transfer; resolves when the connection closed (never rejects). */
export async function runPatternClient(
  options: PatternClientOptions,
): Promise<PatternTransferResult> {
  const { seed, upLength, downLength } = options;
  const socket = net.connect({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    allowHalfOpen: true,
  });
  const received = new ByteTally();
  let tail = Buffer.alloc(0); // the last PATTERN_TRAILER_BYTES bytes seen, held back from `received`
  let error: string | undefined;
  socket.on('data', (chunk: Buffer) => {
    const all = tail.byteLength === 0 ? chunk : Buffer.concat([tail, chunk]);
    const keep = Math.min(PATTERN_TRAILER_BYTES, all.byteLength);
    const body = all.subarray(0, all.byteLength - keep);
    if (body.byteLength > 0) received.add(body);
    tail = Buffer.from(all.subarray(all.byteLength - keep));
  });
  const closed = new Promise<void>((resolve) => {
    socket.on('error', (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
    });
    socket.on('close', () => resolve());
  });
  try {
    await Promise.race([once(socket, 'connect'), closed]);
    socket.setNoDelay(true);
    await options.beforeSend?.();
    const header = Buffer.alloc(PATTERN_HEADER_BYTES);
    header.writeUInt32BE(PATTERN_MAGIC, 0);
    header.writeUInt32BE(seed >>> 0, 4);
    header.writeUInt32BE(downLength, 8);
    socket.write(header);
    const stream = new PatternStream(seed, upLength);
    for (
      let chunk = stream.next(options.chunkSize);
      chunk !== undefined && !socket.destroyed;
      chunk = stream.next(options.chunkSize)
    ) {
      if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), closed]);
    }
    if (!socket.destroyed) socket.end();
  } catch (cause) {
    error ??= (cause as Error).message;
  }
  await closed;
  // The held-back tail is the server's trailer only after exactly `downLength` bytes; after a
  // cut-off stream it is just the last bytes received.
  const trailerOk = tail.byteLength === PATTERN_TRAILER_BYTES && received.length === downLength;
  if (!trailerOk && tail.byteLength > 0) received.add(tail);
  return {
    seed,
    up: {
      expected: { length: upLength, sha256: patternDigest(seed, upLength) },
      actual: trailerOk
        ? { length: Number(tail.readBigUInt64BE(0)), sha256: tail.subarray(8).toString('hex') }
        : { length: -1, sha256: 'no trailer' },
    },
    down: {
      expected: { length: downLength, sha256: patternDigest(serverSeedFor(seed), downLength) },
      actual: { length: received.length, sha256: received.digest() },
    },
    error,
  };
}
