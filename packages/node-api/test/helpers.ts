// Shared set-up for the node-api suites: an emulator (real SDK clients, the emulated agent behind
// the data channel), loopback TCP servers, and byte-exact transfer helpers.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { defaultWorldInput, startEmulator, type Emulator, type WorldInput } from '@ssmkit/emulator';

export const BASTION = 'i-0123456789abcdef0';
export const DB_HOST = 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com';
export const AURORA_HOST = 'demo-aurora.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com';
export const AURORA_READER_HOST = 'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** A deep copy of the emulator's default world, to modify in a test. */
export function defaultWorld(): WorldInput {
  return structuredClone(defaultWorldInput);
}

/** A world whose database endpoints are aliased to local servers. */
export function worldWithAliases(
  aliases: Record<string, number>,
  world = defaultWorld(),
): WorldInput {
  world.hostAliases = {
    ...world.hostAliases,
    ...Object.fromEntries(
      Object.entries(aliases).map(([host, port]) => [host, `127.0.0.1:${port}`]),
    ),
  };
  return world;
}

/** A world whose ECS tasks start slowly enough to abort while one starts. */
export function slowEcsWorld(world = defaultWorld()): WorldInput {
  world.ecs = {
    ...world.ecs,
    taskStartup: {
      pendingAfterMs: 20,
      runningAfterMs: 60_000,
      agentRunningAfterMs: 60_000,
      stoppedAfterMs: 20,
    },
  };
  return world;
}

/** A world whose ECS tasks start within a few hundred milliseconds. */
export function fastEcsWorld(world = defaultWorld()): WorldInput {
  world.ecs = {
    ...world.ecs,
    taskStartup: {
      pendingAfterMs: 20,
      runningAfterMs: 80,
      agentRunningAfterMs: 150,
      stoppedAfterMs: 50,
    },
  };
  return world;
}

export async function startTestEmulator(world: WorldInput = defaultWorld()): Promise<Emulator> {
  return startEmulator({ port: 0, world });
}

/** AWS options pointing at `emulator`. */
export function awsOptions(emulator: Emulator): {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { region: 'us-east-1', endpoint: emulator.endpoint, credentials: { ...TEST_CREDENTIALS } };
}

export interface TestServer {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

/** A loopback TCP server; `handler` gets every connection. `close()` destroys open ones. */
export async function startServer(handler: (socket: net.Socket) => void): Promise<TestServer> {
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
export function startEchoServer(): Promise<TestServer> {
  return startServer((socket) => socket.pipe(socket));
}

/** A server that greets with `name\n`, then echoes: tells which destination a tunnel reached. */
export function startNamedEchoServer(name: string): Promise<TestServer> {
  return startServer((socket) => {
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function randomPayload(size: number): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  return { bytes, sha256: sha256(bytes) };
}

/**
 * Sends `bytes` through `port` in chunks, half-closes after `expected` bytes came back, and
 * resolves with everything received until the connection closed.
 */
export async function echoThrough(
  port: number,
  bytes: Buffer,
  expected = bytes.byteLength,
): Promise<Buffer> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  let received = 0;
  const done = new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.byteLength;
      if (received >= expected) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
  const chunkSize = 64 * 1024;
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    if (!socket.write(bytes.subarray(offset, offset + chunkSize))) await once(socket, 'drain');
  }
  if (expected === 0) socket.end();
  return done;
}

/** Sends random payloads through the tunnel port and asserts length and SHA-256 of each echo. */
export async function assertEchoes(
  port: number,
  sizes: number[],
  expect: (actual: unknown) => { toBe: (value: unknown) => void },
): Promise<number> {
  const payloads = sizes.map((size) => randomPayload(size));
  const results = await Promise.all(payloads.map((payload) => echoThrough(port, payload.bytes)));
  results.forEach((result, index) => {
    expect(result.byteLength).toBe(payloads[index]!.bytes.byteLength);
    expect(sha256(result)).toBe(payloads[index]!.sha256);
  });
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** Capture an async failure to assert on it. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; options?: string[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; options?: string[] };
  }
  throw new Error('expected the promise to reject');
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

/** Whether a local TCP port accepts connections. */
export async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface OperationProxy {
  /** Point the SDK here instead of at the emulator. */
  endpoint: string;
  /** Every AWS operation seen so far, in order (`DescribeDBInstances`, `StartSession`, …). */
  operations: string[];
  close: () => Promise<void>;
}

/**
 * A TCP relay in front of the emulator that tells which AWS operation each request is while its
 * bytes pass (the `X-Amz-Target` header of JSON protocols, `Action=` of Query ones), before
 * they reach the emulator: a test can abort exactly while a given request is in flight. The
 * request still reaches the emulator, as it would reach AWS. WebSocket upgrades (the data
 * channel, whose StreamUrl names this host) are relayed untouched.
 */
export async function startOperationProxy(
  emulator: Emulator,
  onOperation: (operation: string) => void,
): Promise<OperationProxy> {
  const operations: string[] = [];
  const sockets = new Set<net.Socket>();
  const pattern = /X-Amz-Target: *[\w.]+\.(\w+)|(?:^|&)Action=(\w+)/gim;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: emulator.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    // end(), not destroy(): a request whose client gave up still reaches the emulator.
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.destroy());
    let sniffing = true;
    client.on('data', (chunk: Buffer) => {
      if (sniffing) {
        const text = chunk.toString('latin1');
        if (/^Upgrade: *websocket/im.test(text)) sniffing = false;
        for (const match of text.matchAll(pattern)) {
          const operation = match[1] ?? match[2]!;
          operations.push(operation);
          onOperation(operation);
        }
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    operations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A local TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
