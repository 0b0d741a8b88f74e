// close(): idempotent, terminates the session (flag + API), closes the listener, and leaves no
// handles behind; abort signals; reconnect failure ends the session instead of hanging.
import { once } from 'node:events';
import net from 'node:net';
import { connectWebSocket } from '@ssmkit/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel, type TunnelEvent, type WebSocketFactory } from '../src/index.js';
import { TEST_CREDENTIALS, rejectionOf } from './helpers.js';
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

let world: TunnelWorld;
let echo: Awaited<ReturnType<typeof startEchoServer>>;

beforeAll(async () => {
  world = await startTunnelWorld();
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Resources present now that were not present (as many times) in `before`. */
function leaked(before: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [type, count] of resourceCounts()) {
    if (count > (before.get(type) ?? 0)) extra.push(`${type}×${count - (before.get(type) ?? 0)}`);
  }
  return extra;
}

describe('close()', () => {
  test('is idempotent, terminates the session and leaves no open handles', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = resourceCounts();
    const events: TunnelEvent[] = [];
    const tunnel = await openPortTunnel({
      // Options, not a context: the tunnel creates its own context and destroys it.
      context: {
        region: 'us-east-1',
        endpoint: world.emulator.endpoint,
        credentials: TEST_CREDENTIALS,
      },
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      onEvent: (event) => events.push(event),
    });
    const sessionId = tunnel.sessionId!;
    const payload = randomPayload(100_000);
    expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
    // One connection still open while closing.
    const open = net.connect({ host: '127.0.0.1', port: tunnel.localPort });
    await once(open, 'connect');
    const openClosed = once(open, 'close');
    open.on('error', () => undefined);
    await waitFor(() => tunnel.stats().connectionsOpen === 1);

    await Promise.all([tunnel.close(), tunnel.close()]);
    await tunnel.close();
    await openClosed;
    expect(world.emulator.state.sessions.get(sessionId)?.status).toBe('Terminated');
    expect(events.filter((event) => event.type === 'closed')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('closed');
    // The port is free again.
    const probe = net.createServer();
    probe.listen(tunnel.localPort, '127.0.0.1');
    await once(probe, 'listening');
    await new Promise((resolve) => probe.close(resolve));

    await waitFor(() => leaked(before).length === 0, 3_000, `no leaked handles`).catch(() => {
      throw new Error(`leaked handles after close(): ${leaked(before).join(', ')}`);
    });
  });

  test('an aborted signal rejects opening with ERR_TUNNEL_CLOSED; aborting later closes the tunnel', async () => {
    const early = new AbortController();
    early.abort();
    const error = await rejectionOf(
      openPortTunnel({
        context: world.context,
        target: BASTION,
        port: echo.port,
        signal: early.signal,
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_CLOSED');

    const later = new AbortController();
    const events: TunnelEvent[] = [];
    const tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      port: echo.port,
      signal: later.signal,
      onEvent: (event) => events.push(event),
    });
    const sessionId = tunnel.sessionId!;
    later.abort();
    await waitFor(() => events.some((event) => event.type === 'closed'));
    expect(world.emulator.state.sessions.get(sessionId)?.status).toBe('Terminated');
  });

  test('reconnecting gives up after the retries and fails the session instead of hanging', async () => {
    let calls = 0;
    const factory: WebSocketFactory = async (url, options) => {
      calls++;
      if (calls > 1) throw new Error('network unreachable');
      return connectWebSocket(url, options);
    };
    const events: TunnelEvent[] = [];
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      reconnect: { retries: 5, baseDelayMs: 5, maxDelayMs: 40 },
      webSocketFactory: factory,
      onEvent: (event) => events.push(event),
    });
    const sessionId = tunnel.sessionId!;
    const socket = net.connect({ host: '127.0.0.1', port: tunnel.localPort });
    await once(socket, 'connect');
    socket.write('hello');
    await once(socket, 'data');
    const socketOutcome = new Promise<string>((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('end', () => resolve('end'));
    });
    world.emulator.dataChannel.killSockets(sessionId);
    await waitFor(() => events.some((event) => event.type === 'session-ended'), 5_000);
    const ended = events.find((event) => event.type === 'session-ended');
    expect(ended).toMatchObject({ sessionId, reason: 'reconnect-failed' });
    expect((ended as { error?: { code: string } }).error?.code).toBe('ERR_TUNNEL_RECONNECT_FAILED');
    expect(calls).toBe(1 + 6); // the open, then 6 reconnect attempts (1 + 5 retries)
    expect(await socketOutcome).toBe('ECONNRESET');
    expect(events.filter((event) => event.type === 'reconnecting')).toHaveLength(1);
  });

  test('a session that ended on the service while the socket was down is not resumed', async () => {
    const events: TunnelEvent[] = [];
    let hold: (() => void) | undefined;
    let calls = 0;
    const factory: WebSocketFactory = async (url, options) => {
      calls++;
      if (calls === 2) await new Promise<void>((resolve) => (hold = resolve));
      return connectWebSocket(url, options);
    };
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      reconnect: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 },
      webSocketFactory: factory,
      onEvent: (event) => events.push(event),
    });
    const sessionId = tunnel.sessionId!;
    world.emulator.dataChannel.killSockets(sessionId);
    await waitFor(() => hold !== undefined);
    world.emulator.state.endSession(sessionId, 'terminate-session');
    hold!();
    await waitFor(() => events.some((event) => event.type === 'session-ended'), 5_000);
    const ended = events.find((event) => event.type === 'session-ended') as {
      reason: string;
      error?: { code: string };
    };
    expect(ended.reason).toBe('reconnect-failed');
    expect(ended.error?.code).toBe('ERR_TUNNEL_SESSION_ENDED');
    // The next connection opens a fresh session.
    const payload = randomPayload(1000);
    expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
    expect(tunnel.sessionId).not.toBe(sessionId);
  });

  test('a handshake that never completes fails with ERR_TUNNEL_SESSION_OPEN and terminates the session', async () => {
    let sessionId = '';
    const deaf: WebSocketFactory = async (url, options) => {
      sessionId = new URL(url).pathname.split('/').at(-1)!;
      const socket = await connectWebSocket(url, options);
      return {
        send: (data) => socket.send(data),
        close: (code, reason) => socket.close(code, reason),
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
        get isOpen() {
          return socket.isOpen;
        },
        setHandlers: (handlers) => socket.setHandlers({ ...handlers, message: () => undefined }),
      };
    };
    const error = await rejectionOf(
      openPortTunnel({
        context: world.context,
        target: BASTION,
        host: '127.0.0.1',
        port: echo.port,
        handshakeTimeoutMs: 200,
        webSocketFactory: deaf,
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_SESSION_OPEN');
    expect(error.message).toContain('200 ms');
    expect(world.emulator.state.sessions.get(sessionId)?.status).toBe('Terminated');
  });
});
