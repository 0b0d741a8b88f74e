// keepAlive: smux NOP frames between whole frames keep an idle session alive; the agent ignores
// them. The emulator honours a shortened idle timeout (preference `idleTimeoutSeconds`).
import {
  MessageType,
  PayloadType,
  connectWebSocket,
  decodeClientMessage,
  type DataChannelSocket,
} from '@ssmkit/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel, type TunnelEvent, type WebSocketFactory } from '../src/index.js';
import {
  BASTION,
  echoThrough,
  randomPayload,
  sha256,
  startEchoServer,
  startTunnelWorld,
  waitFor,
  type TunnelWorld,
} from './tunnel-helpers.js';

const NOP = '0103000000000000';
let world: TunnelWorld;
let echo: Awaited<ReturnType<typeof startEchoServer>>;

beforeAll(async () => {
  world = await startTunnelWorld();
  echo = await startEchoServer();
  world.emulator.state.setPreferences({ idleTimeoutSeconds: 0.6 });
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A WebSocket factory that records the payload of every input_stream_data Output we send. */
function recordingFactory(payloads: string[]): WebSocketFactory {
  return async (url, options) => {
    const socket = await connectWebSocket(url, options);
    const recording: DataChannelSocket = Object.create(socket) as DataChannelSocket;
    recording.send = (data) => {
      if (typeof data !== 'string') {
        const message = decodeClientMessage(data);
        if (
          message.messageType === MessageType.InputStreamData &&
          message.payloadType === PayloadType.Output
        ) {
          payloads.push(Buffer.from(message.payload).toString('hex'));
        }
      }
      socket.send(data);
    };
    recording.setHandlers = (handlers) => socket.setHandlers(handlers);
    recording.close = (code, reason) => socket.close(code, reason);
    recording.ping = (payload) => socket.ping?.(payload);
    return recording;
  };
}

describe('keepAlive', () => {
  test('without keepAlive the shortened idle timeout ends the session', async () => {
    const events: TunnelEvent[] = [];
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      onEvent: (event) => events.push(event),
    });
    await waitFor(() => events.some((event) => event.type === 'session-ended'), 5_000);
    expect(tunnel.sessionId).toBeUndefined();
  });

  test('an idle session sends whole 8-byte NOP frames; the agent ignores them and data still flows', async () => {
    world.emulator.state.setPreferences({ idleTimeoutSeconds: 60 });
    const payloads: string[] = [];
    try {
      await using tunnel = await openPortTunnel({
        context: world.context,
        target: BASTION,
        host: '127.0.0.1',
        port: echo.port,
        keepAlive: { intervalMs: 50 },
        webSocketFactory: recordingFactory(payloads),
      });
      await sleep(400);
      const nops = payloads.filter((payload) => payload === NOP).length;
      expect(nops).toBeGreaterThanOrEqual(2);
      expect(nops).toBeLessThanOrEqual(9);
      // Busy connections postpone NOPs, and a NOP never lands inside another frame: the agent's
      // smux decoder would fail the session. Data flows byte-exact around them.
      const payload = randomPayload(400_000);
      const results = await Promise.all([
        echoThrough(tunnel.localPort, payload.bytes, { chunkSize: 777 }),
        sleep(120).then(() => echoThrough(tunnel.localPort, payload.bytes)),
      ]);
      for (const result of results) expect(sha256(result)).toBe(payload.sha256);
      await sleep(200);
      expect(payloads.filter((each) => each === NOP).length).toBeGreaterThan(nops);
      expect(tunnel.stats().sessionsStarted).toBe(1);
      expect(tunnel.sessionId).toBeDefined();
    } finally {
      world.emulator.state.setPreferences({ idleTimeoutSeconds: 0.6 });
    }
  });

  // Spec §10.1: every input_stream_data counts as activity, smux NOPs included.
  test('NOPs keep an idle session past the idle timeout', async () => {
    const events: TunnelEvent[] = [];
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      keepAlive: { intervalMs: 100 },
      onEvent: (event) => events.push(event),
    });
    const sessionId = tunnel.sessionId;
    await sleep(2_000); // > 3 idle timeouts
    expect(events.some((event) => event.type === 'session-ended')).toBe(false);
    expect(tunnel.sessionId).toBe(sessionId);
  });
});
