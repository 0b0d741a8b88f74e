// A destination for soak transfers. Each connection starts with a 12-byte header from the client
// (magic, seed, response length). The server then, at the same time:
// - sends `response length` bytes of the pattern stream for `seed ^ 0x5a5a5a5a` and
// - hashes everything else the client sends until it half-closes;
// after both, it sends a 40-byte trailer (uint64 length, 32-byte SHA-256 of what it received)
// and closes. Both directions carry independent data, and the client can check each by length
// and SHA-256 (see runPatternClient).
import { once } from 'node:events';
import net from 'node:net';
import { ByteTally, PatternStream } from './pattern-stream.js';

export const PATTERN_MAGIC = 0x53534d4b; // 'SSMK'
export const PATTERN_HEADER_BYTES = 12;
export const PATTERN_TRAILER_BYTES = 40;

/** The seed of the server's stream for a connection whose client seed is `seed`. */
export const serverSeedFor = (seed: number): number => (seed ^ 0x5a5a5a5a) >>> 0;

export interface PatternServer {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections that sent a bad header or failed. */
  readonly failed: number;
  /** Connections currently open. */
  readonly open: number;
  close(): Promise<void>;
}

export async function startPatternServer(): Promise<PatternServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let failed = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      failed++;
      socket.destroy();
    });
    servePattern(socket).catch(() => {
      failed++;
      socket.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get failed() {
      return failed;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function servePattern(socket: net.Socket): Promise<void> {
  socket.setNoDelay(true);
  let header = Buffer.alloc(0);
  const received = new ByteTally();
  let inputEnded = false;
  let sendDone = false;
  const finish = (): void => {
    if (!inputEnded || !sendDone || socket.destroyed) return;
    const trailer = Buffer.alloc(PATTERN_TRAILER_BYTES);
    trailer.writeBigUInt64BE(BigInt(received.length), 0);
    Buffer.from(received.digest(), 'hex').copy(trailer, 8);
    socket.end(trailer);
  };
  const started = new Promise<{ seed: number; length: number }>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      if (header.byteLength < PATTERN_HEADER_BYTES) {
        header = Buffer.concat([header, chunk]);
        if (header.byteLength < PATTERN_HEADER_BYTES) return;
        if (header.readUInt32BE(0) !== PATTERN_MAGIC) {
          reject(new Error('bad pattern header'));
          return;
        }
        resolve({ seed: header.readUInt32BE(4), length: header.readUInt32BE(8) });
        const rest = header.subarray(PATTERN_HEADER_BYTES);
        if (rest.byteLength > 0) received.add(rest);
        return;
      }
      received.add(chunk);
    };
    socket.on('data', onData);
    socket.once('end', () => {
      inputEnded = true;
      if (header.byteLength < PATTERN_HEADER_BYTES) reject(new Error('no pattern header'));
      finish();
    });
  });
  const { seed, length } = await started;
  const stream = new PatternStream(serverSeedFor(seed), length);
  for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) {
    if (socket.destroyed) return;
    if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
  }
  sendDone = true;
  finish();
}
