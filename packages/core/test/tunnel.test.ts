// Port tunnels against the emulator: real SDK clients, the emulated agent, loopback sockets.
// Every transfer is checked by length and SHA-256.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel, type PortTunnel, type TunnelEvent } from '../src/index.js';
import {
  BASTION,
  echoThrough,
  randomPayload,
  sha256,
  startEchoServer,
  startTunnelWorld,
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

async function tunnelTo(port: number, extra: Partial<Parameters<typeof openPortTunnel>[0]> = {}) {
  const tunnel = await openPortTunnel({
    context: world.context,
    target: BASTION,
    host: '127.0.0.1',
    port,
    reason: 'tunnel test',
    ...extra,
  });
  tunnels.push(tunnel);
  return tunnel;
}

describe('openPortTunnel (mux mode)', () => {
  test('many connections with random payloads arrive byte-exact', async () => {
    const events: TunnelEvent[] = [];
    const tunnel = await tunnelTo(echo.port, { onEvent: (event) => events.push(event) });
    expect(tunnel.mode).toBe('mux');
    expect(tunnel.localAddress).toBe('127.0.0.1');
    expect(tunnel.localPort).toBeGreaterThan(0);
    expect(tunnel.sessionId).toMatch(/^test-/);
    const payloads = Array.from({ length: 24 }, (_, index) =>
      randomPayload(index === 0 ? 0 : 1 + Math.floor(Math.random() * 300_000)),
    );
    const results = await Promise.all(
      payloads.map((payload) => echoThrough(tunnel.localPort, payload.bytes)),
    );
    results.forEach((result, index) => {
      expect(result.byteLength).toBe(payloads[index]!.bytes.byteLength);
      expect(sha256(result)).toBe(payloads[index]!.sha256);
    });
    const total = payloads.reduce((sum, payload) => sum + payload.bytes.byteLength, 0);
    const stats = tunnel.stats();
    expect(stats).toMatchObject({
      bytesSent: total,
      bytesReceived: total,
      connectionsTotal: 24,
      sessionsStarted: 1,
      reconnects: 0,
    });
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['target-resolved', 'session-started', 'listening']),
    );
    // The session records the audit reason.
    const session = world.emulator.state.sessions.get(tunnel.sessionId!);
    expect(session?.reason).toBe('tunnel test');
    expect(session?.documentName).toBe('AWS-StartPortForwardingSessionToRemoteHost');
  });
});
