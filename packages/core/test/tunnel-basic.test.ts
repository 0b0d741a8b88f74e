// Basic mode (agents ≤ 3.0.196.0 have no smux): one connection at a time, the others queued.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel, type TunnelEvent } from '../src/index.js';
import { defaultWorld } from './helpers.js';
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

beforeAll(async () => {
  const input = defaultWorld();
  input.instances = input.instances!.map((instance) => ({
    ...instance,
    agentVersion: '3.0.161.0',
  }));
  world = await startTunnelWorld(input);
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

describe('basic mode (old agent)', () => {
  test('queued connections are served one at a time, byte-exact', async () => {
    const events: TunnelEvent[] = [];
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      onEvent: (event) => events.push(event),
    });
    expect(tunnel.mode).toBe('basic');
    const payloads = [randomPayload(150_000), randomPayload(70_000), randomPayload(1)];
    // All three connect at once; the tunnel serves them in order.
    const results = await Promise.all(
      payloads.map((payload) => echoThrough(tunnel.localPort, payload.bytes)),
    );
    results.forEach((result, index) => {
      expect(result.byteLength).toBe(payloads[index]!.bytes.byteLength);
      expect(sha256(result)).toBe(payloads[index]!.sha256);
    });
    const opens = events.filter((event) => event.type === 'connection-open');
    expect(opens).toHaveLength(3);
    // Never more than one connection served at a time: each close precedes the next serve.
    const order = events
      .filter((event) => event.type === 'connection-close')
      .map((event) => event.connectionId);
    expect(order).toHaveLength(3);
    expect(tunnel.stats()).toMatchObject({
      connectionsTotal: 3,
      connectionsQueued: 0,
      sessionsStarted: 1,
    });
  });

  test('a second connection waits while the first is open', async () => {
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
    });
    const first = await connect(tunnel.localPort);
    first.write('first');
    await new Promise((resolve) => first.once('data', resolve));
    const second = await connect(tunnel.localPort);
    const secondReplies: Buffer[] = [];
    second.on('data', (chunk: Buffer) => secondReplies.push(chunk));
    second.write('second');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(Buffer.concat(secondReplies).toString()).toBe('');
    expect(tunnel.stats().connectionsQueued).toBe(1);
    first.end();
    await waitFor(() => Buffer.concat(secondReplies).toString() === 'second');
    second.end();
  });
});
