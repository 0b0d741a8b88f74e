/**
 * `pnpm bench` — end-to-end benchmarks of a tunnel through the emulator, each figure beside a
 * baseline measured in the same run (so results compare across machines as ratios).
 *
 *   pnpm bench            # full mode, by hand (a few minutes); writes bench/results/latest.json,
 *                         # bench/RESULTS.md and bench/chart.svg
 *   pnpm bench --short    # CI: small sizes, checks every scenario runs and every byte is right;
 *                         # writes only to the temporary directory
 *
 * The far side (emulators, destination server, raw ws server) runs in a second process
 * (bench/server.ts), as the agent runs on another machine. Every transfer is verified (length and
 * SHA-256): a mismatch or an error exits 1. A slow number never does.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket as WebSocketType } from 'ws';
import { DEFAULT_WORLD_IDS } from '@ssmkit/emulator';
import { openTunnel, type Tunnel } from '../packages/node-api/src/index.js';
import { HEADER_BYTES, MESSAGE_PAYLOAD, Sha256Stream, pattern, sha256 } from './shared.js';
import {
  format,
  renderChart,
  renderMarkdown,
  type Report,
  type Result,
  type Target,
} from './report.js';

const short = process.argv.includes('--short');
/** `--only single|streams|paced|latency|memory`: one scenario (e.g. to profile with --cpu-prof). */
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : '';
const runs = (scenario: string): boolean => only === '' || only === scenario;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(join(root, 'packages/protocol/package.json'));
const { WebSocket } = require('ws') as { WebSocket: typeof WebSocketType };

const MiB = 1024 * 1024;
const sizes = short
  ? { single: 8 * MiB, paced: 1 * MiB, streams: { 1: 4 * MiB, 16: 256 * 1024, 128: 32 * 1024 } }
  : { single: 64 * MiB, paced: 8 * MiB, streams: { 1: 16 * MiB, 16: 2 * MiB, 128: 256 * 1024 } };
const repeats = short ? { single: 1, open: 3, cli: 2 } : { single: 3, open: 15, cli: 5 };
const data = pattern(64 * MiB);
const BASTION = DEFAULT_WORLD_IDS.bastionInstanceId;
const digests = new Map<number, Buffer>();
/** SHA-256 of the first `length` pattern bytes, computed once (outside the measured CPU). */
const expected = (length: number): Buffer => {
  let digest = digests.get(length);
  if (digest === undefined) digests.set(length, (digest = sha256(data.subarray(0, length))));
  return digest;
};

class BenchFailure extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new BenchFailure(message);
}

// ---------------------------------------------------------------------------------------------
// The far side

interface Server {
  child: ChildProcess;
  unpaced: string;
  paced: string;
  destinationPort: number;
  wsPort: number;
  request<T>(message: { type: string }, reply: string): Promise<T>;
}

async function startServer(): Promise<Server> {
  const child = fork(join(here, 'server.ts'), [], {
    execArgv: [
      '--disable-warning=NodeVersionSupportWarning',
      '--conditions=@ssmkit/source',
      '--import',
      'tsx',
      // BENCH_CPU_PROF=<dir>: profile the far side too (run this process with --cpu-prof).
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Omit<Server, 'child' | 'request'>>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Omit<Server, 'child' | 'request'>));
    child.once('exit', (code) => reject(new BenchFailure(`bench server exited (${code})`)));
  });
  return {
    ...ready,
    child,
    request<T>(message: { type: string }, reply: string): Promise<T> {
      return new Promise((resolve) => {
        const onMessage = (answer: { type: string }): void => {
          if (answer.type !== reply) return;
          child.off('message', onMessage);
          resolve(answer as T);
        };
        child.on('message', onMessage);
        child.send(message);
      });
    },
  };
}

function open(endpoint: string, server: Server): Promise<Tunnel> {
  return openTunnel({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    target: BASTION,
    host: '127.0.0.1',
    port: server.destinationPort,
    localPort: 0,
  });
}

// ---------------------------------------------------------------------------------------------
// Transfers (each verified)

function header(command: 'D' | 'U' | 'E', length: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = command.charCodeAt(0);
  out.writeUInt32BE(length, 1);
  return out;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Downloads `length` bytes over TCP (raw or through a tunnel's local port); returns seconds. */
async function tcpDownload(port: number, length: number): Promise<number> {
  const started = performance.now();
  const socket = await connect(port);
  const hash = new Sha256Stream();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      hash.update(chunk);
      if (received >= length) resolve();
    });
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.write(header('D', length));
  });
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  check(received === length, `download: received ${received} of ${length} bytes`);
  check(hash.digest().equals(expected(length)), 'download: SHA-256 mismatch');
  return seconds;
}

/** Uploads `length` bytes; the far side answers with their SHA-256. Returns seconds. */
async function tcpUpload(port: number, length: number): Promise<number> {
  const started = performance.now();
  const socket = await connect(port);
  const answer: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      answer.push(chunk);
      if (Buffer.concat(answer).byteLength >= 32) resolve();
    });
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
  socket.write(header('U', length));
  const piece = 256 * 1024;
  for (let offset = 0; offset < length; offset += piece) {
    if (!socket.write(data.subarray(offset, Math.min(length, offset + piece)))) {
      await new Promise((resolve) => socket.once('drain', resolve));
    }
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  check(
    Buffer.concat(answer).subarray(0, 32).equals(expected(length)),
    'upload: SHA-256 mismatch at the destination',
  );
  return seconds;
}

function wsConnect(port: number): Promise<WebSocketType> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * The frames of one tick leave in one write, as the tunnel's data channel sends them (see
 * createWsSocket in @ssmkit/protocol): cork ws's TCP socket until the next tick.
 */
function corkUntilNextTick(ws: WebSocketType): void {
  const socket = (ws as unknown as { _socket?: net.Socket })._socket;
  if (socket === undefined || socket.writableCorked > 0) return;
  socket.cork();
  process.nextTick(() => socket.uncork());
}

/** Baseline: the same bytes as data-channel-sized ws messages, server → client. */
async function wsDownload(port: number, length: number): Promise<number> {
  const started = performance.now();
  const ws = await wsConnect(port);
  const hash = new Sha256Stream();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (message: Buffer) => {
      const payload = message.subarray(HEADER_BYTES);
      hash.update(payload);
      received += payload.byteLength;
      if (received >= length) resolve();
    });
    ws.once('error', reject);
    ws.send(header('D', length));
  });
  const seconds = (performance.now() - started) / 1000;
  ws.close();
  check(received === length, `ws download: received ${received} of ${length} bytes`);
  check(hash.digest().equals(expected(length)), 'ws download: SHA-256 mismatch');
  return seconds;
}

/** Baseline: client → server as data-channel-sized ws messages (back-pressure on the socket). */
async function wsUpload(port: number, length: number): Promise<number> {
  const started = performance.now();
  const ws = await wsConnect(port);
  const answer = new Promise<Buffer>((resolve, reject) => {
    ws.once('message', (message: Buffer) => resolve(message));
    ws.once('error', reject);
  });
  ws.send(header('U', length));
  let inFlight = 0;
  let wake: (() => void) | undefined;
  for (let offset = 0; offset < length; offset += MESSAGE_PAYLOAD) {
    const frame = Buffer.allocUnsafe(HEADER_BYTES + Math.min(MESSAGE_PAYLOAD, length - offset));
    frame.fill(0, 0, HEADER_BYTES);
    frame.set(data.subarray(offset, offset + MESSAGE_PAYLOAD), HEADER_BYTES);
    inFlight++;
    corkUntilNextTick(ws);
    ws.send(frame, () => {
      inFlight--;
      wake?.();
    });
    if (inFlight >= 256) await new Promise<void>((resolve) => (wake = resolve));
  }
  const digest = await answer;
  const seconds = (performance.now() - started) / 1000;
  ws.close();
  check(digest.equals(expected(length)), 'ws upload: SHA-256 mismatch');
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const MB = 1e6;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

interface CpuSample {
  client: number;
  server: number;
}

async function measureCpu<T>(
  server: Server,
  run: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSample }> {
  const before = await server.request<{ usage: NodeJS.CpuUsage }>({ type: 'cpu' }, 'cpu');
  const clientBefore = process.cpuUsage();
  const result = await run();
  const client = cpuSeconds(process.cpuUsage(clientBefore));
  const after = await server.request<{ usage: NodeJS.CpuUsage }>({ type: 'cpu' }, 'cpu');
  const server_ = cpuSeconds(after.usage) - cpuSeconds(before.usage);
  return { result, cpu: { client, server: server_ } };
}

async function throughput(
  server: Server,
  tunnel: Tunnel,
  results: Result[],
  cpu: Result[],
): Promise<void> {
  const length = sizes.single;
  for (const direction of ['download', 'upload'] as const) {
    const viaTcp = direction === 'download' ? tcpDownload : tcpUpload;
    const viaWs = direction === 'download' ? wsDownload : wsUpload;
    // Warm-up (JIT, buffers), then baseline, measured, baseline again.
    await viaTcp(tunnel.localPort, (short ? 1 : 8) * MiB);
    await viaWs(server.wsPort, (short ? 1 : 8) * MiB);
    expected(length); // the reference digest, outside the measured CPU
    const tcpBefore = await measureCpu(server, () => viaTcp(server.destinationPort, length));
    const wsBefore = await viaWs(server.wsPort, length);
    // Best of `repeats.single` (other processes share these cores), CPU of the best run.
    let measured = await measureCpu(server, () => viaTcp(tunnel.localPort, length));
    for (let run = 1; run < repeats.single; run++) {
      const again = await measureCpu(server, () => viaTcp(tunnel.localPort, length));
      if (again.result < measured.result) measured = again;
    }
    const wsAfter = await viaWs(server.wsPort, length);
    const tcpAfter = await viaTcp(server.destinationPort, length);
    const rate = length / measured.result / MB;
    const ws = length / Math.min(wsBefore, wsAfter) / MB;
    const tcp = length / Math.min(tcpBefore.result, tcpAfter) / MB;
    const label =
      direction === 'download' ? 'download (agent → client)' : 'upload (client → agent)';
    results.push({
      id: `single.${direction}`,
      group: 'Single stream, unpaced',
      name: label,
      value: rate,
      unit: 'MB/s',
      baseline: ws,
      baselineName: `raw ws, ${MESSAGE_PAYLOAD}-byte messages`,
      ratio: rate / ws,
      chart: `${direction}, unpaced (of raw ws)`,
      detail: {
        bytes: length,
        seconds: Number(measured.result.toFixed(3)),
        bestOf: repeats.single,
        rawTcpMBps: Number(tcp.toFixed(1)),
        ofRawTcp: Number((rate / tcp).toFixed(4)),
      },
    });
    const scale = (100 * MiB) / length;
    const tunnelCpu = (measured.cpu.client + measured.cpu.server) * scale;
    const tcpCpu = (tcpBefore.cpu.client + tcpBefore.cpu.server) * scale;
    cpu.push({
      id: `cpu.${direction}`,
      group: 'CPU per 100 MiB moved',
      name: `${direction}, both processes`,
      value: tunnelCpu,
      unit: 'CPU s',
      baseline: tcpCpu,
      baselineName: 'raw loopback TCP',
      ratio: tunnelCpu / tcpCpu,
      detail: {
        // The rate if each process had a core to itself: bytes over the busier side's CPU time.
        cpuBoundMBps: Number(
          (length / Math.max(measured.cpu.client, measured.cpu.server) / MB).toFixed(1),
        ),
        clientCpuSeconds: Number((measured.cpu.client * scale).toFixed(3)),
        farSideCpuSeconds: Number((measured.cpu.server * scale).toFixed(3)),
        measuredBytes: length,
      },
    });
  }
}

async function paced(server: Server, results: Result[]): Promise<Result> {
  const tunnel = await open(server.paced, server);
  try {
    const length = sizes.paced;
    await tcpDownload(tunnel.localPort, 64 * 1024); // warm-up
    server.child.send({ type: 'timer-start' });
    const seconds = await tcpDownload(tunnel.localPort, length);
    const timer = await server.request<{ meanMs: number }>({ type: 'timer-stop' }, 'timer');
    const tickMs = timer.meanMs;
    const ceiling = MESSAGE_PAYLOAD / tickMs / 1000; // MB/s: one message per timer period
    const nominal = MESSAGE_PAYLOAD / 1 / 1000; // MB/s: one message per exact millisecond
    const rate = length / seconds / MB;
    const result: Result = {
      id: 'paced.download',
      group: 'Paced (--pace, the real agent’s rate)',
      name: 'download (agent → client)',
      value: rate,
      unit: 'MB/s',
      baseline: ceiling,
      baselineName: `pacing ceiling: 1024 B per 1 ms timer period, measured alongside (${tickMs.toFixed(3)} ms)`,
      ratio: rate / ceiling,
      chart: 'download, paced (of pacing ceiling)',
      detail: {
        bytes: length,
        seconds: Number(seconds.toFixed(3)),
        timerPeriodMs: Number(tickMs.toFixed(4)),
        nominalCeilingMBps: nominal,
        ofNominal: Number((rate / nominal).toFixed(4)),
      },
    };
    results.push(result);
    return result;
  } finally {
    await tunnel.close();
  }
}

async function concurrency(server: Server, tunnel: Tunnel, results: Result[]): Promise<void> {
  for (const count of [1, 16, 128] as const) {
    const length = sizes.streams[count];
    const run = async (port: number) => {
      const started = performance.now();
      const perStream = await Promise.all(
        Array.from({ length: count }, async () => length / (await tcpDownload(port, length))),
      );
      const seconds = (performance.now() - started) / 1000;
      const sum = perStream.reduce((total, rate) => total + rate, 0);
      const squares = perStream.reduce((total, rate) => total + rate * rate, 0);
      return {
        aggregate: (count * length) / seconds / MB,
        jain: (sum * sum) / (count * squares),
        minOverMax: Math.min(...perStream) / Math.max(...perStream),
        seconds,
      };
    };
    await run(tunnel.localPort); // warm-up
    const before = await run(server.destinationPort);
    const measured = await run(tunnel.localPort);
    const after = await run(server.destinationPort);
    const baseline = Math.max(before.aggregate, after.aggregate);
    results.push({
      id: `streams.${count}`,
      group: 'Concurrent streams, unpaced download',
      name: `${count} stream${count === 1 ? '' : 's'} × ${length / 1024} KiB`,
      value: measured.aggregate,
      unit: 'MB/s',
      baseline,
      baselineName: 'raw loopback TCP, same streams',
      ratio: measured.aggregate / baseline,
      chart: `${count} concurrent stream${count === 1 ? '' : 's'} (of raw TCP)`,
      detail: {
        jainFairness: Number(measured.jain.toFixed(3)),
        slowestOverFastest: Number(measured.minOverMax.toFixed(3)),
        baselineJainFairness: Number(Math.min(before.jain, after.jain).toFixed(3)),
        seconds: Number(measured.seconds.toFixed(3)),
      },
    });
  }
}

async function echoOnce(port: number): Promise<void> {
  const socket = await connect(port);
  await new Promise<void>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => {
      check(chunk[0] === 0x2a, 'first byte: wrong echo');
      resolve();
    });
    socket.once('error', reject);
    socket.write(Buffer.concat([header('E', 0), Buffer.from([0x2a])]));
  });
  socket.destroy();
}

async function openToFirstByte(server: Server, results: Result[]): Promise<void> {
  const total: number[] = [];
  const openOnly: number[] = [];
  const raw: number[] = [];
  for (let index = 0; index < repeats.open + 1; index++) {
    const rawStart = performance.now();
    await echoOnce(server.destinationPort);
    const rawMs = performance.now() - rawStart;
    const started = performance.now();
    const tunnel = await open(server.unpaced, server);
    const opened = performance.now() - started;
    await echoOnce(tunnel.localPort);
    const ms = performance.now() - started;
    await tunnel.close();
    if (index === 0) continue; // warm-up
    total.push(ms);
    openOnly.push(opened);
    raw.push(rawMs);
  }
  const value = median(total);
  const baseline = median(raw);
  results.push({
    id: 'latency.open',
    group: 'Latency',
    name: 'openTunnel() → first byte echoed (median)',
    value,
    unit: 'ms',
    baseline,
    baselineName: 'raw TCP connect + 1-byte echo',
    ratio: value / baseline,
    detail: {
      runs: total.length,
      p90Ms: Number(percentile(total, 90).toFixed(2)),
      openTunnelResolvedMs: Number(median(openOnly).toFixed(2)),
    },
  });
}

function cliEnv(): NodeJS.ProcessEnv {
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
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    NO_COLOR: '1',
  };
}

/** Spawns `args` and resolves with ms until a stdout line matches `ready` (then kills it). */
function timeUntil(args: string[], ready: RegExp, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) {
        const ms = performance.now() - started;
        child.once('exit', () => resolve(ms));
        child.kill('SIGINT');
      }
    });
    child.once('exit', (code) => {
      if (!ready.test(out)) reject(new BenchFailure(`${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

async function cliToListening(server: Server, results: Result[]): Promise<void> {
  const cli = join(root, 'packages/cli/dist/cli.js');
  const args = [
    cli,
    'forward',
    '--target',
    BASTION,
    '--host',
    '127.0.0.1',
    '--port',
    String(server.destinationPort),
    '--local-port',
    '0',
    '--json',
    '--endpoint-url',
    server.unpaced,
  ];
  const env = cliEnv();
  const cliRuns: number[] = [];
  const nodeRuns: number[] = [];
  for (let index = 0; index < repeats.cli + 1; index++) {
    const nodeMs = await timeUntil(['-e', 'console.log("ready")'], /ready/, env);
    const cliMs = await timeUntil(args, /"type":"listening"/, env);
    if (index === 0) continue;
    cliRuns.push(cliMs);
    nodeRuns.push(nodeMs);
  }
  const value = median(cliRuns);
  const baseline = median(nodeRuns);
  results.push({
    id: 'latency.cli',
    group: 'Latency',
    name: 'spawn CLI → "listening" (median)',
    value,
    unit: 'ms',
    baseline,
    baselineName: 'spawn `node -e` → first line',
    ratio: value / baseline,
    detail: { runs: cliRuns.length, addedMs: Number((value - baseline).toFixed(1)) },
  });
}

/** Full mode: RSS also after this long without traffic (V8's memory reducer has run by then). */
const IDLE_WAIT_MS = short ? 0 : 15_000;

async function memory(server: Server, results: Result[]): Promise<Record<string, number>> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--disable-warning=NodeVersionSupportWarning',
        join(here, 'memory-child.mjs'),
        server.unpaced,
        BASTION,
        String(server.destinationPort),
        String(IDLE_WAIT_MS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new BenchFailure(`memory probe exited ${code}`)),
    );
  });
  const rss = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, number>;
  const mb = (bytes: number): number => bytes / MB;
  results.push({
    id: 'memory.idle',
    group: 'Memory (RSS after GC, built packages)',
    name: 'process with one idle tunnel',
    value: mb(rss.idle!),
    unit: 'MB',
    baseline: mb(rss.bare!),
    baselineName: 'bare `node` process',
    ratio: rss.idle! / rss.bare!,
    detail: {
      afterImportMB: Number(mb(rss.loaded!).toFixed(1)),
      addedByTunnelMB: Number(mb(rss.idle! - rss.loaded!).toFixed(1)),
      ...(IDLE_WAIT_MS > 0
        ? { [`after${IDLE_WAIT_MS / 1000}sIdleMB`]: Number(mb(rss.idleLater!).toFixed(1)) }
        : {}),
    },
  });
  results.push({
    id: 'memory.connections',
    group: 'Memory (RSS after GC, built packages)',
    name: 'added by 100 open connections',
    value: mb(rss.withConnections! - rss.idleAfterWarmUp!),
    unit: 'MB',
    baseline: mb(rss.idleAfterWarmUp!),
    baselineName: 'the same process idle, after a first round of 100',
    ratio: (rss.withConnections! - rss.idleAfterWarmUp!) / rss.idleAfterWarmUp!,
    detail: {
      withConnectionsMB: Number(mb(rss.withConnections!).toFixed(1)),
      heapAndBuffersAddedMB: Number(mb(rss.heapWithConnections! - rss.heapIdle!).toFixed(2)),
    },
  });
  return rss;
}

// ---------------------------------------------------------------------------------------------

function machine(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGB: Number((os.totalmem() / 1e9).toFixed(1)),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    loadAverage: os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' / '),
  };
}

function table(results: Result[]): void {
  const rows = results.map((result) => [
    `${result.group}: ${result.name}`,
    `${format(result.value)} ${result.unit}`,
    `${format(result.baseline)} ${result.unit}`,
    result.unit === 'ms' || result.unit === 'MB' || result.unit === 'CPU s'
      ? `×${result.ratio.toFixed(2)}`
      : `${(result.ratio * 100).toFixed(1)} %`,
    result.baselineName,
  ]);
  const head = ['benchmark', 'result', 'baseline', 'ratio', 'baseline is'];
  const widths = head.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 || column === 4
          ? cell.padEnd(widths[column]!)
          : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

function targets(results: Result[]): Target[] {
  const find = (id: string): Result => results.find((result) => result.id === id)!;
  const pacedResult = find('paced.download');
  const single = Math.min(find('single.download').value, find('single.upload').value);
  const openMs = find('latency.open').value;
  const idle = find('memory.idle').value;
  return [
    {
      name: 'paced download, share of the agent’s ceiling',
      goal: '≥ 95 %',
      value: `${(pacedResult.ratio * 100).toFixed(1)} % (${format(pacedResult.value)} MB/s)`,
      met: pacedResult.ratio >= 0.95,
    },
    {
      name: 'unpaced single stream (slower direction)',
      goal: '≥ 50 MB/s',
      value: `${format(single)} MB/s`,
      met: single >= 50,
    },
    {
      name: 'openTunnel() → first byte',
      goal: '< 50 ms',
      value: `${format(openMs)} ms`,
      met: openMs < 50,
    },
    { name: 'idle tunnel RSS', goal: '< 80 MB', value: `${format(idle)} MB`, met: idle < 80 },
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const host = machine();
  console.log(`ssmkit bench${short ? ' --short' : ''} — ${JSON.stringify(host)}\n`);
  const server = await startServer();
  const results: Result[] = [];
  const cpu: Result[] = [];
  try {
    const tunnel = await open(server.unpaced, server);
    try {
      if (runs('single')) {
        console.log('• single-stream throughput …');
        await throughput(server, tunnel, results, cpu);
      }
      if (runs('streams')) {
        console.log('• concurrent streams …');
        await concurrency(server, tunnel, results);
      }
    } finally {
      await tunnel.close();
    }
    if (runs('paced')) {
      console.log('• paced throughput …');
      await paced(server, results);
    }
    if (runs('latency')) {
      console.log('• latency …');
      await openToFirstByte(server, results);
      await cliToListening(server, results);
    }
    if (runs('memory')) {
      console.log('• memory …');
      await memory(server, results);
    }
    results.push(...cpu);
  } finally {
    server.child.send({ type: 'close' });
  }
  if (only !== '') {
    table(results);
    for (const result of results) console.log(result.id, JSON.stringify(result.detail));
    return;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log('');
  table(results);
  const goals = targets(results);
  console.log('\ntargets:');
  for (const goal of goals) {
    console.log(
      `  ${goal.met ? 'met    ' : 'NOT met'}  ${goal.name}: ${goal.value} (${goal.goal})`,
    );
  }
  const report = {
    date: new Date().toISOString(),
    mode: short ? 'short' : 'full',
    machine: host,
    seconds: Number(seconds.toFixed(1)),
    results,
    targets: goals,
  };
  const outDir = short ? join(os.tmpdir(), 'ssmkit-bench') : join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'latest.json');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const chart = renderChart(results);
  writeFileSync(join(short ? outDir : here, 'chart.svg'), chart);
  writeFileSync(
    join(short ? outDir : here, 'RESULTS.md'),
    renderMarkdown(report, readFileSync(join(here, 'notes.md'), 'utf8')),
  );
  console.log(`\nall transfers verified (length + SHA-256); ${seconds.toFixed(1)} s`);
  console.log(`wrote ${json}${short ? '' : ', bench/RESULTS.md, bench/chart.svg'}`);
}

/** `--render`: rewrite RESULTS.md and chart.svg from results/latest.json (after editing notes.md). */
function render(): void {
  const report = JSON.parse(readFileSync(join(here, 'results', 'latest.json'), 'utf8')) as Report;
  writeFileSync(join(here, 'chart.svg'), renderChart(report.results));
  writeFileSync(
    join(here, 'RESULTS.md'),
    renderMarkdown(report, readFileSync(join(here, 'notes.md'), 'utf8')),
  );
  console.log('rewrote bench/RESULTS.md and bench/chart.svg from bench/results/latest.json');
}

if (process.argv.includes('--render')) {
  render();
  process.exit(0);
}

const watchdog = setTimeout(
  () => {
    console.error('bench FAILED: timed out');
    process.exit(1);
  },
  (short ? 120 : 900) * 1000,
);
watchdog.unref();

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error('bench FAILED:', error instanceof BenchFailure ? error.message : error);
    process.exit(1);
  });
