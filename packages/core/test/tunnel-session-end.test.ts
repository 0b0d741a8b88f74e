// The service ends a session (TerminateSession elsewhere, idle timeout): open connections get a
// clean close, the listener stays up, and the next connection opens a fresh session.
import { once } from 'node:events';
import { TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel, type PortTunnel, type TunnelEvent } from '../src/index.js';
import {
  BASTION,
  connect,
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
const tunnels: PortTunnel[] = [];

beforeAll(async () => {
  world = await startTunnelWorld();
  echo = await startEchoServer();
});
afterEach(async () => {
  await Promise.all(tunnels.splice(0).map((tunnel) => tunnel.close()));
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

async function openTunnel(events: TunnelEvent[]): Promise<PortTunnel> {
  const tunnel = await openPortTunnel({
    context: world.context,
    target: BASTION,
    host: '127.0.0.1',
    port: echo.port,
    onEvent: (event) => events.push(event),
  });
  tunnels.push(tunnel);
  return tunnel;
}

describe('session ended by the service', () => {
  test('TerminateSession elsewhere: open connections end cleanly, the next one gets a fresh session', async () => {
    const events: TunnelEvent[] = [];
    const tunnel = await openTunnel(events);
    const firstSession = tunnel.sessionId!;
    // Two open connections that have exchanged data.
    const sockets = await Promise.all([connect(tunnel.localPort), connect(tunnel.localPort)]);
    for (const socket of sockets) {
      socket.write('ping');
      const [reply] = (await once(socket, 'data')) as [Buffer];
      expect(reply.toString()).toBe('ping');
    }
    const outcomes = sockets.map(
      (socket) =>
        new Promise<string>((resolve) => {
          socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
          socket.on('end', () => {
            socket.end();
            resolve('end');
          });
        }),
    );
    await world.context.ssm.send(new TerminateSessionCommand({ SessionId: firstSession }));
    expect(await Promise.all(outcomes)).toEqual(['end', 'end']);
    await waitFor(() => events.some((event) => event.type === 'session-ended'));
    expect(events.find((event) => event.type === 'session-ended')).toMatchObject({
      sessionId: firstSession,
      reason: 'channel-closed',
    });
    expect(tunnel.sessionId).toBeUndefined();

    // The listener is still up: the next connection transparently opens a new session.
    const payload = randomPayload(200_000);
    const result = await echoThrough(tunnel.localPort, payload.bytes);
    expect(result.byteLength).toBe(payload.bytes.byteLength);
    expect(sha256(result)).toBe(payload.sha256);
    expect(tunnel.sessionId).toBeDefined();
    expect(tunnel.sessionId).not.toBe(firstSession);
    expect(tunnel.stats().sessionsStarted).toBe(2);
    expect(events.filter((event) => event.type === 'session-started')).toHaveLength(2);
  });

  test('admin terminate and idle timeout behave the same way', async () => {
    const events: TunnelEvent[] = [];
    const tunnel = await openTunnel(events);
    const first = tunnel.sessionId!;
    world.emulator.state.endSession(first, 'admin');
    await waitFor(() => tunnel.sessionId === undefined, 5_000, 'the session to end');
    const payload = randomPayload(10_000);
    expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
    const second = tunnel.sessionId!;
    expect(second).not.toBe(first);

    world.emulator.state.endSession(second, 'idle-timeout');
    await waitFor(() => tunnel.sessionId === undefined, 5_000, 'the idle timeout');
    const ended = events.filter((event) => event.type === 'session-ended');
    expect(ended.at(-1)).toMatchObject({
      sessionId: second,
      reason: 'channel-closed',
      output: 'Your session timed out due to inactivity and has been terminated.',
    });
    expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
    expect(tunnel.stats().sessionsStarted).toBe(3);
  });
});
