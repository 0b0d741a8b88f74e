/**
 * The main job, offline: start the emulator (AWS APIs + Session Manager data channel + agent)
 * with its default world, start a small real TCP server where the world's `demo-db` endpoint
 * points, open a tunnel to it with the built `ssm-tunnel` CLI (`ssm-tunnel db demo-db`), push
 * traffic both ways through concurrent connections, verify every byte (length and SHA-256), then
 * stop the CLI with Ctrl-C (SIGINT) and check that the session was terminated.
 *
 *   pnpm demo                          # 8 MiB each way in total, over 4 connections
 *   pnpm demo -- --mib 1               # what CI runs
 *   pnpm demo -- --connections 8 --mib 32
 *   pnpm demo -- --pace                # with the real agent's pacing (≈1 MB/s per session)
 *
 * Exits 0 when every byte arrived intact and the CLI stopped cleanly; 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_WORLD_IDS, defaultWorldInput, startEmulator } from '@ssmkit/emulator';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = resolve(root, 'packages/cli/dist/cli.js');
const DB_IDENTIFIER = 'demo-db';

const { values } = parseArgs({
  // `pnpm demo -- --mib 1` passes the `--` through; it separates nothing here.
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    mib: { type: 'string', default: '8' },
    connections: { type: 'string', default: '4' },
    pace: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'pnpm demo [-- --mib <total MiB each way, default 8>] [--connections <n, default 4>] [--pace]',
  );
  process.exit(0);
}

const totalMib = Number(values.mib);
const connections = Number(values.connections);
if (!(totalMib > 0) || !Number.isInteger(connections) || connections < 1) {
  console.error('demo: --mib must be a positive number and --connections a positive integer');
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error(
    `demo: ${relative(root, CLI)} is missing — run \`bash scripts/setup.sh\` (or \`pnpm build\`) first.`,
  );
  process.exit(1);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const step = (text: string): void => console.log(`• ${text}`);

/**
 * The "private database": a tiny line protocol that checks both directions. The client sends
 * `HELLO <n>\n` and then n bytes; the server at once streams back n random bytes of its own and,
 * when both directions are done, one trailer line `<received> <sha256> <sent> <sha256>\n` with
 * the length and hash of what it received and of what it sent.
 */
async function startPrivateServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let header = Buffer.alloc(0);
    let expected = -1;
    let received = 0;
    const hashIn = createHash('sha256');
    let sentLine: string | undefined;
    const finish = (): void => {
      if (sentLine === undefined || received < expected) return;
      socket.end(`${received} ${hashIn.digest('hex')} ${sentLine}\n`);
    };
    const consume = (chunk: Buffer): void => {
      const take = chunk.subarray(0, Math.max(0, expected - received));
      hashIn.update(take);
      received += take.byteLength;
      finish();
    };
    socket.on('data', (chunk: Buffer) => {
      if (expected >= 0) return consume(chunk);
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(0x0a);
      if (newline === -1) return;
      const match = /^HELLO (\d+)$/.exec(header.subarray(0, newline).toString('latin1'));
      if (match === null) return void socket.end('ERR expected HELLO <bytes>\n');
      expected = Number(match[1]);
      const rest = header.subarray(newline + 1);
      // Stream our own bytes back while the client's are still arriving.
      const reply = randomBytes(expected);
      socket.write(reply, () => {
        sentLine = `${reply.byteLength} ${sha256(reply)}`;
        finish();
      });
      consume(rest);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

interface Exchange {
  sent: number;
  sentSha: string;
  received: number;
  receivedSha: string;
  /** What the server says it received and sent (length + SHA-256). */
  serverReceived: string;
  serverSent: string;
  /** Protocol bytes on top of the payload: the HELLO line out, the trailer line in. */
  overheadOut: number;
  overheadIn: number;
  ok: boolean;
}

/** One connection through the tunnel: n bytes each way, both checked against the trailer. */
async function exchange(port: number, size: number): Promise<Exchange> {
  const payload = randomBytes(size);
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  await new Promise<void>((done, fail) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', fail);
    socket.once('close', () => done());
    socket.once('connect', () => {
      socket.write(`HELLO ${size}\n`);
      socket.write(payload);
    });
  });
  const all = Buffer.concat(chunks);
  const body = all.subarray(0, size);
  const trailerBytes = all.subarray(size);
  const trailer = trailerBytes.toString('latin1').trim().split(' ');
  const [inLength = '', inSha = '', outLength = '', outSha = ''] = trailer;
  const sentSha = sha256(payload);
  const receivedSha = sha256(body);
  return {
    sent: size,
    sentSha,
    received: body.byteLength,
    receivedSha,
    serverReceived: `${inLength} ${inSha}`,
    serverSent: `${outLength} ${outSha}`,
    overheadOut: `HELLO ${size}\n`.length,
    overheadIn: trailerBytes.byteLength,
    ok:
      trailer.length === 4 &&
      Number(inLength) === size &&
      inSha === sentSha &&
      Number(outLength) === body.byteLength &&
      body.byteLength === size &&
      outSha === receivedSha,
  };
}

/** The built CLI, with output collected and a way to wait for a line. */
function startCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    ['--disable-warning=NodeVersionSupportWarning', CLI, ...args],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((waiter) => waiter());
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString('utf8')), notify()));
  child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString('utf8')), notify()));
  void exited.then(notify);
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    /** The first stdout match of `pattern`; rejects if the CLI exits first. */
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      return new Promise((done, fail) => {
        const check = (): void => {
          const match = stdout.match(pattern);
          if (match !== null) {
            waiters.delete(check);
            done(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            fail(new Error(`the CLI exited (${child.exitCode ?? child.signalCode}):\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The CLI's environment: the emulator's credentials and endpoint, nothing from ~/.aws. */
function cliEnvironment(endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && key !== 'DEBUG' && key !== 'FORCE_COLOR') env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: resolve(root, '.demo-nonexistent-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: resolve(root, '.demo-nonexistent-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
  };
}

async function main(): Promise<number> {
  console.log('ssmkit demo — ssm-tunnel against the local emulator\n');
  const server = await startPrivateServer();
  // The default world, with its database endpoints pointing at our server instead of a local
  // PostgreSQL on 5432.
  const target = `127.0.0.1:${server.port}`;
  const world = {
    ...structuredClone(defaultWorldInput),
    hostAliases: Object.fromEntries(
      Object.keys(defaultWorldInput.hostAliases ?? {}).map((host) => [host, target]),
    ),
  };
  const emulator = await startEmulator({ port: 0, world, pace: values.pace });
  step(`emulator (AWS APIs + data channel + agent) on ${emulator.endpoint}, default world`);
  step(
    `private server on ${target}, where ${DB_IDENTIFIER}'s endpoint leads (reachable only through the bastion)`,
  );

  const args = ['db', DB_IDENTIFIER, '--reason', 'ssmkit demo'];
  step(`ssm-tunnel ${args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`);
  const spawnedAt = performance.now();
  const cli = startCli(args, cliEnvironment(emulator.endpoint));
  try {
    const [line, port, sessionId] = await cli.waitFor(
      /^(?:Forwarding 127\.0\.0\.1:(\d+) → \S+ via \S+ \(session ([\w-]+)\)\. Ctrl-C to stop\.)$/m,
    );
    const readyMs = performance.now() - spawnedAt;
    console.log(`\n  ${line}\n`);
    step(`tunnel ready ${readyMs.toFixed(0)} ms after starting the CLI (process start included)`);

    const totalBytes = Math.round(totalMib * 1024 * 1024);
    const sizes = Array.from({ length: connections }, (_, index) =>
      Math.floor(totalBytes / connections + (index < totalBytes % connections ? 1 : 0)),
    );
    step(
      `${connections} concurrent connections, ${mib(totalBytes)} each way in total${values.pace ? ' (paced like the real agent)' : ''} …`,
    );
    const started = performance.now();
    const results = await Promise.all(sizes.map((size) => exchange(Number(port), size)));
    const seconds = (performance.now() - started) / 1000;

    console.log('');
    console.log('  #  sent → server               received ← server            check');
    results.forEach((result, index) => {
      console.log(
        `  ${String(index + 1).padEnd(2)} ${mib(result.sent).padStart(9)} ${result.sentSha.slice(0, 16)}  ${mib(result.received).padStart(9)} ${result.receivedSha.slice(0, 16)}  ${result.ok ? 'ok (length + SHA-256, both ways)' : 'MISMATCH'}`,
      );
      if (!result.ok) {
        console.log(
          `     server received ${result.serverReceived}; server sent ${result.serverSent}`,
        );
      }
    });
    console.log('');
    const moved = results.reduce((sum, result) => sum + result.sent + result.received, 0);
    step(
      `${mib(moved)} through the tunnel in ${seconds.toFixed(2)} s (${(moved / 1024 / 1024 / seconds).toFixed(1)} MiB/s, both directions together)`,
    );
    let failed = results.some((result) => !result.ok);

    step('Ctrl-C (SIGINT) to the CLI …');
    cli.child.kill('SIGINT');
    const code = await cli.exited;
    const closed =
      /^Tunnel closed: .*\((\d+) connections?, (\d+) bytes sent, (\d+) received\)\.$/m.exec(
        cli.stderr(),
      );
    console.log(`\n  ${closed?.[0] ?? '(no "Tunnel closed" line)'}\n`);
    // The CLI's own counters must match what went through, protocol lines included.
    const expectedOut = results.reduce((sum, result) => sum + result.sent + result.overheadOut, 0);
    const expectedIn = results.reduce(
      (sum, result) => sum + result.received + result.overheadIn,
      0,
    );
    const countersMatch =
      closed !== null &&
      Number(closed[1]) === results.length &&
      Number(closed[2]) === expectedOut &&
      Number(closed[3]) === expectedIn;
    step(
      countersMatch
        ? `the CLI's counters agree: ${expectedOut} bytes sent, ${expectedIn} received (payload + protocol lines)`
        : `the CLI's counters DISAGREE: expected ${results.length} connections, ${expectedOut} bytes sent, ${expectedIn} received`,
    );
    failed ||= !countersMatch;
    const state = (await (await fetch(`${emulator.endpoint}/_emulator/state`)).json()) as {
      sessions: { sessionId: string; status: string; target: string }[];
    };
    const session = state.sessions.find((candidate) => candidate.sessionId === sessionId);
    step(
      `CLI exited with code ${code}; the emulator says session ${sessionId} on ${session?.target ?? '?'} is ${session?.status ?? 'unknown'}`,
    );
    if (code !== 0 || session?.status !== 'Terminated') {
      console.error('demo FAILED: the CLI did not stop cleanly');
      if (cli.stderr() !== '') console.error(cli.stderr());
      return 1;
    }
    if (failed) {
      console.error(
        '\ndemo FAILED: some bytes did not survive the tunnel, or the counters disagree',
      );
      return 1;
    }
    console.log(
      `\ndemo OK: ${results.length}/${results.length} connections byte-exact both ways (bastion ${DEFAULT_WORLD_IDS.bastionInstanceId})`,
    );
    return 0;
  } catch (error) {
    console.error(`demo FAILED: ${error instanceof Error ? error.message : String(error)}`);
    if (cli.stderr() !== '') console.error(cli.stderr());
    return 1;
  } finally {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
    await server.close();
    await emulator.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exitCode = 1;
  },
);
