// End-to-end helpers: an in-process emulator with TCP echo servers aliased in its world, and the
// BUILT CLI spawned against it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_WORLD_IDS,
  defaultWorldInput,
  startEmulator,
  type Emulator,
  type WorldInput,
} from '@ssmkit/emulator';

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
export const BASTION = DEFAULT_WORLD_IDS.bastionInstanceId;
export const DB_HOST = 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com';
export const AURORA_READER = 'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com';
/** A remote host name that only exists as an alias of the echo server. */
export const ECHO_HOST = 'echo.internal';

export interface TestWorld {
  emulator: Emulator;
  endpoint: string;
  echoPort: number;
  /** Environment for the CLI (credentials, region, no colour, no CI prompts). */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A TCP echo server on loopback. */
export async function startEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/** The default world with every database endpoint, `echo.internal` and `localhost` aliased to an echo server. */
export async function startTestWorld(): Promise<TestWorld> {
  const echo = await startEchoServer();
  const target = `127.0.0.1:${echo.port}`;
  const world: WorldInput = {
    ...structuredClone(defaultWorldInput),
    hostAliases: {
      ...Object.fromEntries(
        Object.keys(defaultWorldInput.hostAliases ?? {}).map((host) => [host, target]),
      ),
      [ECHO_HOST]: target,
      localhost: target,
    },
  };
  const emulator = await startEmulator({ port: 0, world });
  return {
    emulator,
    endpoint: emulator.endpoint,
    echoPort: echo.port,
    env: cliEnv(),
    async close() {
      await emulator.close();
      await echo.close();
    },
  };
}

/** Environment of a spawned CLI: emulator credentials, no colour, no inherited AWS settings. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && key !== 'DEBUG' && key !== 'FORCE_COLOR') env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Tests pass --endpoint-url; anything that forgets it hits a dead loopback port, never AWS.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    NO_COLOR: '1',
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
export async function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    input?: string | Buffer;
    cwd?: string;
    timeoutMs?: number;
  } = {},
): Promise<CliResult & { stdoutBytes: Buffer }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: options.env ?? cliEnv(),
    cwd: options.cwd ?? process.cwd(),
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const stdoutBytes = Buffer.concat(out);
  return {
    code,
    signal,
    stdout: stdoutBytes.toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    stdoutBytes,
  };
}

/** A long-running CLI (forward, db, up) with line waiting. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout (or stderr) line matching. */
  waitFor(
    pattern: RegExp,
    stream?: 'stdout' | 'stderr',
    timeoutMs?: number,
  ): Promise<RegExpMatchArray>;
  /** Resolves when it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: options.env ?? cliEnv(),
    cwd: options.cwd ?? process.cwd(),
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      done({ code, signal });
      for (const listener of listeners) listener();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, stream = 'stdout', timeoutMs = 20_000) {
      return new Promise((done, fail) => {
        const check = (): boolean => {
          const match = (stream === 'stdout' ? out : err).match(pattern);
          if (match !== null) {
            cleanup();
            done(match);
            return true;
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            fail(
              new Error(`CLI exited before ${String(pattern)}.\nstdout: ${out}\nstderr: ${err}`),
            );
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(
            new Error(`Timed out waiting for ${String(pattern)}.\nstdout: ${out}\nstderr: ${err}`),
          );
        }, timeoutMs);
        const listener = (): void => void check();
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        if (!check()) listeners.add(listener);
      });
    },
  };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Sends `size` random bytes to 127.0.0.1:`port` and returns what came back (the echo). */
export async function echoThrough(
  port: number,
  size: number,
): Promise<{ sent: Buffer; received: Buffer }> {
  const sent = randomBytes(size);
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  let total = 0;
  const done = new Promise<void>((resolveDone, reject) => {
    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total >= size) resolveDone();
    });
    socket.on('error', reject);
    socket.on('close', () =>
      total >= size ? resolveDone() : reject(new Error(`closed after ${total} of ${size} bytes`)),
    );
  });
  socket.write(sent);
  await done;
  socket.destroy();
  return { sent, received: Buffer.concat(chunks) };
}

/** GET /_emulator/state. */
export async function emulatorState(endpoint: string): Promise<{
  sessions: { sessionId: string; status: string; target: string; endReason?: string }[];
  tasks: { taskId: string; cluster: string; group: string; lastStatus: string }[];
}> {
  const response = await fetch(`${endpoint}/_emulator/state`);
  return (await response.json()) as never;
}
