// Long idle and many connections: a tunnel whose session hit the service's idle timeout serves
// the next connection with a fresh session, and one session carries 1,000 concurrent TCP
// connections that each move independent data both ways and close cleanly.
import { defaultWorldInput, startEmulator, type Emulator } from '@ssmkit/emulator';
import { openTunnel, type Tunnel, type TunnelEvent } from '@ssmkit/node-api';
import { afterEach, describe, expect, test } from 'vitest';
import {
  runPatternClient,
  type PatternTransferResult,
} from '../../src/reliability/pattern-client.js';
import { startPatternServer, type PatternServer } from '../../src/reliability/pattern-server.js';
import { activeResources, waitForResourceBaseline } from '../../src/reliability/resources.js';
import { recordResult } from '../../src/reliability/results.js';

const DB_HOST = 'conn-db.internal.example';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(
  preferences: { idleTimeoutSeconds?: number } = {},
): Promise<{ server: PatternServer; emulator: Emulator; tunnel: Tunnel; events: TunnelEvent[] }> {
  const server = await startPatternServer();
  cleanups.push(() => server.close());
  const world = structuredClone(defaultWorldInput);
  world.hostAliases = { ...world.hostAliases, [DB_HOST]: `127.0.0.1:${server.port}` };
  world.sessionPreferences = { ...world.sessionPreferences, ...preferences };
  const emulator = await startEmulator({ port: 0, world });
  cleanups.push(() => emulator.close());
  const events: TunnelEvent[] = [];
  const tunnel = await openTunnel({
    host: DB_HOST,
    port: 5432,
    target: 'i-0123456789abcdef0',
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    onEvent: (event) => events.push(event),
  });
  cleanups.push(() => tunnel.close());
  return { server, emulator, tunnel, events };
}

/** Polls `condition` on timers until it holds or `timeoutMs` passes (a bound, not a measurement). */
async function settles(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

function expectIntact(result: PatternTransferResult): void {
  expect(result.error, `connection ${result.seed}`).toBeUndefined();
  expect(result.up.actual, `connection ${result.seed} client→server`).toEqual(result.up.expected);
  expect(result.down.actual, `connection ${result.seed} server→client`).toEqual(
    result.down.expected,
  );
}

describe('long idle', () => {
  test('a tunnel idle past the idle timeout still serves the next connection', async () => {
    const { tunnel, events } = await setUp({ idleTimeoutSeconds: 1 });
    const size = 256 * 1024;
    expectIntact(
      await runPatternClient({ port: tunnel.localPort, seed: 1, upLength: size, downLength: size }),
    );
    // Idle: wait for the service to end the session (event-driven, not a fixed sleep).
    const idleStarted = performance.now();
    const ended = events.find((event) => event.type === 'session-ended');
    if (ended === undefined) {
      await new Promise<void>((resolve) => {
        tunnel.on('session-ended', () => resolve());
      });
    }
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const sessionEnd = events.find((event) => event.type === 'session-ended');
    expect(sessionEnd).toMatchObject({ type: 'session-ended', reason: 'channel-closed' });
    expect(JSON.stringify(sessionEnd)).toContain('inactivity');

    const resumed = performance.now();
    expectIntact(
      await runPatternClient({ port: tunnel.localPort, seed: 2, upLength: size, downLength: size }),
    );
    const sessions = events.filter((event) => event.type === 'session-started').length;
    expect(sessions).toBe(2);
    recordResult(
      'long-idle',
      `long idle: session ended by the 1 s idle timeout after ${idleSeconds.toFixed(1)} s; the next connection opened a new session and moved 256 KiB each way in ${((performance.now() - resumed) / 1000).toFixed(2)} s`,
      { idleTimeoutSeconds: 1, sessionsStarted: sessions },
    );
  });
});

describe('many connections', () => {
  test('1,000 concurrent TCP connections over one session open, exchange data and close cleanly', async () => {
    const baseline = activeResources();
    const { server, tunnel, events } = await setUp();
    const connections = 1_000;
    const size = 64 * 1024;
    const started = performance.now();
    // Start every connection before any finishes: each waits for its peers before sending.
    let connected = 0;
    let release!: () => void;
    const allConnected = new Promise<void>((resolve) => (release = resolve));
    const results = await Promise.all(
      Array.from({ length: connections }, (_, index) =>
        runPatternClient({
          port: tunnel.localPort,
          seed: 0x10_000 + index,
          upLength: size,
          downLength: size,
          beforeSend: async () => {
            if (++connected === connections) release();
            await allConnected;
          },
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const result of results) expectIntact(result);
    expect(server.accepted).toBe(connections);
    expect(server.failed).toBe(0);
    expect(events.filter((event) => event.type === 'session-started')).toHaveLength(1);
    const closes = events.filter((event) => event.type === 'connection-close');
    expect(closes).toHaveLength(connections);
    for (const close of closes) expect(close).not.toHaveProperty('error');
    const stats = tunnel.stats();
    expect(stats.connectionsOpen).toBe(0);
    expect(stats.connectionsTotal).toBe(connections);
    // Every destination socket was closed too.
    expect(await settles(() => server.open === 0)).toBe(true);
    recordResult(
      'many-connections',
      `many connections: ${connections} concurrent connections × 64 KiB each way over one session in ${seconds.toFixed(1)} s`,
      { connections, bytesEachWay: size, seconds: Number(seconds.toFixed(2)), stats },
    );
    await tunnel.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    expect(await waitForResourceBaseline(baseline)).toEqual({});
  });
});
