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
  waitFor,
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
    expect(events.find((event) => event.type === 'session-started')).toMatchObject({
      sessionId: tunnel.sessionId,
      target: BASTION,
      mode: 'mux',
    });
    expect(events.find((event) => event.type === 'listening')).toMatchObject({
      address: '127.0.0.1',
      port: tunnel.localPort,
    });
    // One open and one close per connection; the closes carry each connection's byte counts.
    const opens = events.filter((event) => event.type === 'connection-open');
    expect(opens).toHaveLength(payloads.length);
    for (const open of opens) expect(open).toMatchObject({ queued: false });
    const closes = () =>
      events.flatMap((event) => (event.type === 'connection-close' ? [event] : []));
    await waitFor(() => closes().length === payloads.length, 30_000, 'every connection-close');
    const bySize = (left: number, right: number): number => left - right;
    const sizes = payloads.map((payload) => payload.bytes.byteLength).sort(bySize);
    expect(
      closes()
        .map((close) => close.bytesSent)
        .sort(bySize),
    ).toEqual(sizes);
    expect(
      closes()
        .map((close) => close.bytesReceived)
        .sort(bySize),
    ).toEqual(sizes);
    for (const close of closes()) expect(close).not.toHaveProperty('error');
    // The session records the audit reason.
    const session = world.emulator.state.sessions.get(tunnel.sessionId!);
    expect(session?.reason).toBe('tunnel test');
    expect(session?.documentName).toBe('AWS-StartPortForwardingSessionToRemoteHost');
  });
});
