// Memory probe, run by bench/run.ts as its own process against the built packages (what a user
// runs, without the TypeScript loader): RSS of a bare process, then with one idle tunnel, then
// (when `idleWaitMs` > 0) the same tunnel after that long without traffic, then with 100 open
// connections through it. Prints one JSON line. Needs --expose-gc.
/* global process, setTimeout, Buffer */
import net from 'node:net';

const [endpoint, bastion, port, idleWaitMs = '0'] = process.argv.slice(2);
const settle = async () => {
  for (let round = 0; round < 3; round++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().rss;
};

/** JS heap plus memory outside it (buffers): finer-grained than RSS. */
const heap = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};

const bare = await settle();
const { openTunnel } = await import('../packages/node-api/dist/index.js');
const loaded = await settle();
const tunnel = await openTunnel({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  target: bastion,
  host: '127.0.0.1',
  port: Number(port),
  localPort: 0,
});
// One round trip so the session is fully up (handshake done, mux attached), then idle.
const probe = await connectEcho(tunnel.localPort);
probe.destroy();
await new Promise((resolve) => setTimeout(resolve, 200));
const idle = await settle();
// V8 keeps the young generation it grew while the modules loaded until its memory reducer runs,
// some seconds into a quiet period: what a long-idle tunnel costs is measured after such a wait.
let idleLater = idle;
if (Number(idleWaitMs) > 0) {
  await new Promise((resolve) => setTimeout(resolve, Number(idleWaitMs)));
  idleLater = await settle();
}
// Per-connection cost at steady state: one round of 100 connections first (warms the allocator
// and the session's tables), closed, then the measured round against that baseline.
const openHundred = async () => {
  const sockets = [];
  for (let index = 0; index < 100; index++) sockets.push(await connectEcho(tunnel.localPort));
  return sockets;
};
/** @param {net.Socket[]} sockets */
const closeAll = async (sockets) => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
};
await closeAll(await openHundred());
const idleAfterWarmUp = await settle();
const heapIdle = heap();
const sockets = await openHundred();
const withConnections = await settle();
const heapWithConnections = heap();
await closeAll(sockets);
await tunnel.close();
process.stdout.write(
  `${JSON.stringify({ bare, loaded, idle, idleLater, idleAfterWarmUp, withConnections, heapIdle, heapWithConnections })}\n`,
);
process.exit(0);

/**
 * Opens a connection in echo mode and waits for one byte to come back through the tunnel.
 * @param {number} localPort
 * @returns {Promise<net.Socket>}
 */
function connectEcho(localPort) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: localPort });
    socket.once('error', reject);
    socket.once('data', () => resolve(socket));
    socket.write(Buffer.from([0x45, 0, 0, 0, 0, 0x2a]));
  });
}
