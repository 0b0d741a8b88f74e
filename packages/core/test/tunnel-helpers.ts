// Shared set-up for the tunnel and session suites: an emulator whose data channel runs the
// emulated agent, an AwsContext on it, loopback TCP servers, and byte-exact transfer helpers.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { startEmulator, type Emulator, type WorldInput } from '@ssmkit/emulator';
import { createAwsContext, type AwsContext } from '../src/index.js';
import { TEST_CREDENTIALS, defaultWorld } from './helpers.js';

export const BASTION = 'i-0123456789abcdef0';

export interface TunnelWorld {
  emulator: Emulator;
  context: AwsContext;
  close: () => Promise<void>;
}

/** An emulator (with its emulated agent behind the data channel) and a context pointed at it. */
export async function startTunnelWorld(
  world: WorldInput = defaultWorld(),
  options: { pace?: boolean } = {},
): Promise<TunnelWorld> {
  const emulator = await startEmulator({
    port: 0,
    world,
    ...options, // the emulated agent is the default data channel
  });
  const context = await createAwsContext({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: TEST_CREDENTIALS,
  });
  return {
    emulator,
    context,
    close: async () => {
      context.destroy();
      await emulator.close();
    },
  };
}

/** A loopback TCP server; `handler` gets every connection. `close()` destroys open ones. */
export async function startServer(
  handler: (socket: net.Socket) => void,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let total = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    total++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    handler(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An echo server (echoes, then ends when the client ends). */
export function startEchoServer(): ReturnType<typeof startServer> {
  return startServer((socket) => socket.pipe(socket));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function randomPayload(size: number): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  return { bytes, sha256: sha256(bytes) };
}

/** Connects to the tunnel (TCP port or unix socket path). */
export async function connect(where: number | string): Promise<net.Socket> {
  const socket =
    typeof where === 'number'
      ? net.connect({ host: '127.0.0.1', port: where, allowHalfOpen: true })
      : net.connect({ path: where, allowHalfOpen: true });
  await once(socket, 'connect');
  return socket;
}

/**
 * Sends `bytes` in chunks, half-closes after the whole echo came back, and resolves with
 * everything received until the tunnel closed the connection.
 */
export async function echoThrough(
  where: number | string,
  bytes: Buffer,
  options: { chunkSize?: number; onProgress?: (received: number) => void } = {},
): Promise<Buffer> {
  const socket = await connect(where);
  const chunks: Buffer[] = [];
  let received = 0;
  const done = new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.byteLength;
      options.onProgress?.(received);
      if (received >= bytes.byteLength) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
  const chunkSize = options.chunkSize ?? 64 * 1024;
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    if (!socket.write(bytes.subarray(offset, offset + chunkSize))) await once(socket, 'drain');
  }
  if (bytes.byteLength === 0) socket.end();
  return done;
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits until `predicate` holds, polling every 10 ms, or fails after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
