/**
 * The "far side" of every benchmark, in its own process (a second core, as the agent runs on
 * another machine): two emulators (unpaced and `--pace`), the destination TCP server the agent
 * dials, and a raw WebSocket server for the ws baseline. Talks to bench/run.ts over IPC.
 *
 * Destination protocol (one request per connection, 5-byte header: command + uint32 length):
 *   'D' n  → the server writes the first n bytes of the shared pattern, then ends.
 *   'U' n  → the server reads n bytes, then writes their SHA-256 (32 bytes) and ends.
 *   'E' 0  → echo everything until the client closes.
 * The raw WebSocket server speaks the same header as a first binary message, and sends or
 * receives the bytes as messages of `MESSAGE_PAYLOAD` bytes behind a 120-byte header, the size
 * of a data-channel frame.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import type { WebSocketServer as WebSocketServerType, WebSocket as WebSocketType } from 'ws';
import { startEmulator } from '@ssmkit/emulator';
import { HEADER_BYTES, MESSAGE_PAYLOAD, Sha256Stream, pattern } from './shared.js';

const require = createRequire(new URL('../packages/protocol/package.json', import.meta.url));
const { WebSocketServer } = require('ws') as { WebSocketServer: typeof WebSocketServerType };

const data = pattern(Number(process.env.BENCH_PATTERN_BYTES ?? 64 * 1024 * 1024));

function startDestination(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    let header = Buffer.alloc(0);
    const onHeader = (chunk: Buffer): void => {
      header = Buffer.concat([header, chunk]);
      if (header.byteLength < 5) return;
      socket.off('data', onHeader);
      const command = String.fromCharCode(header[0]!);
      const length = header.readUInt32BE(1);
      const rest = header.subarray(5);
      if (command === 'D') {
        socket.end(data.subarray(0, length));
      } else if (command === 'U') {
        const hash = new Sha256Stream();
        let received = 0;
        const onData = (part: Buffer): void => {
          received += part.byteLength;
          hash.update(part);
          if (received >= length) {
            socket.off('data', onData);
            socket.end(hash.digest());
          }
        };
        socket.on('data', onData);
        if (rest.byteLength > 0) onData(rest);
        else if (length === 0) onData(Buffer.alloc(0));
      } else {
        if (rest.byteLength > 0) socket.write(rest);
        socket.pipe(socket);
      }
    };
    socket.on('data', onHeader);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startWsServer(): Promise<WebSocketServerType> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('connection', (ws: WebSocketType) => {
    ws.binaryType = 'nodebuffer';
    let mode: 'D' | 'U' | undefined;
    let remaining = 0;
    const hash = new Sha256Stream();
    ws.on('message', (message: Buffer) => {
      if (mode === undefined) {
        mode = message[0] === 0x44 ? 'D' : 'U';
        remaining = message.readUInt32BE(1);
        if (mode === 'D') void sendAll(ws, remaining);
        return;
      }
      const payload = message.subarray(HEADER_BYTES);
      hash.update(payload);
      remaining -= payload.byteLength;
      if (remaining <= 0) ws.send(hash.digest());
    });
  });
  return new Promise((resolve) => server.once('listening', () => resolve(server)));
}

/** Frames of one tick in one write, like the tunnel's data channel. */
function corkUntilNextTick(ws: WebSocketType): void {
  const socket = (ws as unknown as { _socket?: net.Socket })._socket;
  if (socket === undefined || socket.writableCorked > 0) return;
  socket.cork();
  process.nextTick(() => socket.uncork());
}

/** Sends `length` pattern bytes as frames, at most 256 unflushed at a time (back-pressure). */
async function sendAll(ws: WebSocketType, length: number): Promise<void> {
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
}

async function main(): Promise<void> {
  const unpaced = await startEmulator({ port: 0 });
  const paced = await startEmulator({ port: 0, pace: true });
  const destination = await startDestination();
  const ws = await startWsServer();
  let stopTimer: (() => void) | undefined;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      process.send!({ type: 'cpu', usage: process.cpuUsage(), rss: process.memoryUsage().rss });
    } else if (message.type === 'timer-start') {
      // The pacing clock: the emulator's agent waits setTimeout(1) after each message. Chained
      // 1 ms timers run beside the paced transfer, under the same load, to measure its period.
      const started = performance.now();
      let ticks = 0;
      let stop = false;
      const tick = (): void => {
        ticks++;
        if (!stop) setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
      stopTimer = () => {
        stop = true;
        process.send!({ type: 'timer', meanMs: (performance.now() - started) / ticks, ticks });
      };
    } else if (message.type === 'timer-stop') {
      stopTimer?.();
    } else if (message.type === 'close') {
      void Promise.all([
        unpaced.close(),
        paced.close(),
        new Promise((resolve) => destination.close(resolve)),
        new Promise((resolve) => ws.close(resolve)),
      ]).then(() => process.exit(0));
    }
  });
  process.send!({
    type: 'ready',
    unpaced: unpaced.endpoint,
    paced: paced.endpoint,
    destinationPort: (destination.address() as net.AddressInfo).port,
    wsPort: (ws.address() as net.AddressInfo).port,
  });
}

process.on('disconnect', () => process.exit(0));
main().catch((error: unknown) => {
  console.error('bench server failed:', error);
  process.exit(1);
});
