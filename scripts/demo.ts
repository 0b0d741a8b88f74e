/**
 * The main job, offline: start the embedded emulator (AWS stand-in + Session Manager service +
 * agent), start a real TCP server on loopback "inside the VPC", open a Session Manager tunnel to
 * it with ssmkit, push traffic through concurrent connections and verify every byte.
 *
 *   pnpm demo                 # 8 connections × 4 MiB each way
 *   pnpm demo -- --pace       # with the real agent's pacing (≈1 MB/s per session)
 *   pnpm demo -- --connections 16 --mib 2
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { openPortTunnel, type TunnelEvent } from '@ssmkit/core';
import { DEFAULT_WORLD_IDS, startEmulator } from '@ssmkit/emulator';

const { values } = parseArgs({
  // `pnpm demo -- --mib 1` passes the `--` through; it separates nothing here.
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    connections: { type: 'string', default: '8' },
    mib: { type: 'string', default: '4' },
    pace: { type: 'boolean', default: false },
  },
});
const connections = Number(values.connections);
const bytesPerConnection = Math.round(Number(values.mib) * 1024 * 1024);

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const step = (text: string): void => console.log(`• ${text}`);

/** A "private database": echoes everything, like a server only reachable inside the VPC. */
async function startPrivateServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** One client connection through the tunnel: send `payload`, read the echo, compare. */
async function exchange(
  port: number,
  payload: Buffer,
): Promise<{ sent: number; received: number; match: boolean; firstByteMs: number }> {
  const started = performance.now();
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let received = 0;
  let firstByteMs = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      if (received === 0) firstByteMs = performance.now() - started;
      chunks.push(chunk);
      received += chunk.byteLength;
      if (received >= payload.byteLength) socket.end();
    });
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  socket.write(payload);
  await done;
  const echoed = Buffer.concat(chunks);
  return {
    sent: payload.byteLength,
    received,
    match: echoed.byteLength === payload.byteLength && sha256(echoed) === sha256(payload),
    firstByteMs,
  };
}

async function main(): Promise<void> {
  console.log('ssmkit demo — a Session Manager tunnel against the embedded emulator\n');
  const emulator = await startEmulator({ port: 0, pace: values.pace });
  step(`emulator (AWS APIs + data channel + agent) on ${emulator.endpoint}`);
  const server = await startPrivateServer();
  const serverPort = (server.address() as net.AddressInfo).port;
  step(`private TCP echo server on 127.0.0.1:${serverPort} (reached only through the tunnel)`);

  const events: TunnelEvent[] = [];
  const opened = performance.now();
  const tunnel = await openPortTunnel({
    context: {
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    },
    target: { tag: { Name: 'bastion' } },
    host: '127.0.0.1',
    port: serverPort,
    localPort: 0,
    reason: 'ssmkit demo',
    onEvent: (event) => events.push(event),
  });
  const openMs = performance.now() - opened;
  step(
    `bastion found by tag Name=bastion → ${tunnel.target.target} (default world: ${DEFAULT_WORLD_IDS.bastionInstanceId})`,
  );
  step(
    `session ${tunnel.sessionId} (${tunnel.mode} mode), listening on ${tunnel.localAddress}:${tunnel.localPort} — opened in ${openMs.toFixed(0)} ms`,
  );

  const payloads = Array.from({ length: connections }, () => randomBytes(bytesPerConnection));
  step(
    `pushing ${connections} concurrent connections × ${mib(bytesPerConnection)} each way${values.pace ? ' (paced like the real agent)' : ''} …`,
  );
  const started = performance.now();
  const results = await Promise.all(payloads.map((payload) => exchange(tunnel.localPort, payload)));
  const seconds = (performance.now() - started) / 1000;
  const stats = tunnel.stats();
  await tunnel.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await emulator.close();

  const total = results.reduce((sum, result) => sum + result.sent + result.received, 0);
  const allMatch = results.every((result) => result.match);
  console.log('');
  console.log('  connection   sent        received    SHA-256');
  results.forEach((result, index) => {
    console.log(
      `  #${String(index + 1).padEnd(9)} ${mib(result.sent).padEnd(11)} ${mib(result.received).padEnd(11)} ${result.match ? 'match' : 'MISMATCH'}`,
    );
  });
  console.log('');
  step(
    `${mib(total)} through the tunnel in ${seconds.toFixed(2)} s (${(total / 1024 / 1024 / seconds).toFixed(1)} MiB/s both ways together)`,
  );
  step(
    `tunnel counters: ${stats.connectionsTotal} connections, ${mib(stats.bytesSent)} sent, ${mib(stats.bytesReceived)} received, ${stats.reconnects} reconnects`,
  );
  step(`events: ${[...new Set(events.map((event) => event.type))].join(' → ')}`);
  step('tunnel closed: session terminated, listener closed, emulator stopped');
  if (!allMatch) {
    console.error('\ndemo FAILED: some bytes did not survive the tunnel');
    process.exitCode = 1;
    return;
  }
  console.log(`\ndemo OK: ${results.length}/${results.length} connections byte-exact (SHA-256)`);
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exitCode = 1;
});
