// openTunnel / withTunnel against the emulator: real SDK clients, the emulated agent, loopback
// sockets. Every transfer is checked by length and SHA-256.
import type { Emulator } from '@ssmkit/emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTunnel, withTunnel, type Tunnel, type TunnelEvent } from '../src/index.js';
import {
  BASTION,
  DB_HOST,
  assertEchoes,
  awsOptions,
  isListening,
  rejectionOf,
  startEchoServer,
  startTestEmulator,
  worldWithAliases,
  type TestServer,
} from './helpers.js';

let emulator: Emulator;
let echo: TestServer;

beforeAll(async () => {
  echo = await startEchoServer();
  emulator = await startTestEmulator(worldWithAliases({ [`${DB_HOST}:5432`]: echo.port }));
});
afterAll(async () => {
  await emulator?.close();
  await echo?.close();
});

describe('openTunnel', () => {
  test('forwards many connections byte-exact; url(), stats(), events', async () => {
    const events: TunnelEvent[] = [];
    const tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      reason: 'node-api test',
      onEvent: (event) => events.push(event),
    });
    try {
      expect(tunnel.localAddress).toBe('127.0.0.1');
      expect(tunnel.localPort).toBeGreaterThan(0);
      expect(tunnel.sessionId).toMatch(/^test-/);
      expect(tunnel.target.target).toBe(BASTION);
      expect(tunnel.mode).toBe('mux');
      expect(tunnel.url('postgres')).toBe(`postgres://127.0.0.1:${tunnel.localPort}`);
      expect(tunnel.url()).toBe(`tcp://127.0.0.1:${tunnel.localPort}`);
      const sizes = [
        0,
        1,
        1024,
        65_537,
        300_000,
        ...Array.from({ length: 8 }, () => 1 + Math.floor(Math.random() * 200_000)),
      ];
      const total = await assertEchoes(tunnel.localPort, sizes, expect);
      expect(tunnel.stats()).toMatchObject({
        bytesSent: total,
        bytesReceived: total,
        connectionsTotal: sizes.length,
      });
      expect(events.map((event) => event.type)).toEqual(
        expect.arrayContaining(['resolving', 'target-resolved', 'session-started', 'listening']),
      );
      expect(emulator.state.sessions.get(tunnel.sessionId!)?.reason).toBe('node-api test');
    } finally {
      await tunnel.close();
    }
    expect(tunnel.closed).toBe(true);
    expect(await isListening(tunnel.localPort)).toBe(false);
  });

  test('host omitted with target discovered from host: { auto } by default', async () => {
    const tunnel = await openTunnel({ ...awsOptions(emulator), host: DB_HOST, port: 5432 });
    try {
      expect(tunnel.target.target).toBe(BASTION);
      expect(tunnel.target.source).toBe('auto');
      await assertEchoes(tunnel.localPort, [123_456], expect);
    } finally {
      await tunnel.close();
    }
  });

  test('await using closes the tunnel and terminates the session', async () => {
    let port: number;
    let sessionId: string;
    {
      await using tunnel = await openTunnel({
        ...awsOptions(emulator),
        target: BASTION,
        host: '127.0.0.1',
        port: echo.port,
      });
      port = tunnel.localPort;
      sessionId = tunnel.sessionId!;
      await assertEchoes(port, [50_000], expect);
    }
    expect(await isListening(port)).toBe(false);
    expect(emulator.state.sessions.get(sessionId)?.status).not.toBe('Connected');
  });

  test('events() iterates events and ends after closed; on/off work', async () => {
    const tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
    });
    const seen: string[] = [];
    const onConnection = (event: TunnelEvent): void => void seen.push(event.type);
    tunnel.on('connection-open', onConnection);
    const collected = (async () => {
      const types: string[] = [];
      for await (const event of tunnel.events()) types.push(event.type);
      return types;
    })();
    await assertEchoes(tunnel.localPort, [10_000], expect);
    tunnel.off('connection-open', onConnection);
    await assertEchoes(tunnel.localPort, [10_000], expect);
    await tunnel.close();
    const types = await collected;
    expect(types.filter((type) => type === 'connection-open')).toHaveLength(2);
    expect(types.at(-1)).toBe('closed');
    expect(seen).toEqual(['connection-open']);
  });

  test('events(): a signal or a break ends the iteration and unsubscribes', async () => {
    await using tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
    });
    // break: return() ends the iterator for good.
    const iterator = tunnel.events();
    const first = (async () => {
      for await (const event of iterator) return event.type;
      return undefined;
    })();
    await assertEchoes(tunnel.localPort, [100], expect);
    expect(await first).toBe('connection-open');
    await assertEchoes(tunnel.localPort, [100], expect);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });

    // signal: the iteration ends without an event, and stays ended.
    const controller = new AbortController();
    const types: string[] = [];
    const ended = (async () => {
      for await (const event of tunnel.events({ signal: controller.signal }))
        types.push(event.type);
    })();
    await assertEchoes(tunnel.localPort, [100], expect);
    controller.abort();
    await ended;
    expect(types).toContain('connection-open');
    const count = types.length;
    await assertEchoes(tunnel.localPort, [100], expect);
    expect(types).toHaveLength(count);
    // An already aborted signal gives an empty iteration.
    const none: string[] = [];
    for await (const event of tunnel.events({ signal: AbortSignal.abort() })) none.push(event.type);
    expect(none).toEqual([]);
  });

  test('url() brackets an IPv6 bindAddress', async () => {
    await using tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      bindAddress: '::1',
    });
    expect(tunnel.localAddress).toBe('::1');
    expect(tunnel.url('redis')).toBe(`redis://[::1]:${tunnel.localPort}`);
    const url = new URL(tunnel.url('redis'));
    expect(url.hostname).toBe('[::1]');
    expect(Number(url.port)).toBe(tunnel.localPort);
  });

  test('logger receives one line per event; nothing without one', async () => {
    const lines: string[] = [];
    const logger = {
      info: (message: string) => lines.push(`info ${message}`),
      debug: (message: string) => lines.push(`debug ${message}`),
    };
    await withTunnel(
      { ...awsOptions(emulator), target: BASTION, host: '127.0.0.1', port: echo.port, logger },
      async (tunnel) => {
        await assertEchoes(tunnel.localPort, [1000], expect);
      },
    );
    expect(lines.some((line) => line.startsWith('info listening on 127.0.0.1:'))).toBe(true);
    expect(lines.some((line) => line.startsWith('info session '))).toBe(true);
    expect(
      lines.some((line) =>
        line.startsWith('debug connection 1 closed: sent 1000 B, received 1000 B'),
      ),
    ).toBe(true);
    expect(lines.at(-1)).toBe('info tunnel closed');
  });

  test('withTunnel returns the callback result and closes even when it throws', async () => {
    let port = 0;
    const result = await withTunnel(
      { ...awsOptions(emulator), target: BASTION, host: '127.0.0.1', port: echo.port },
      async (tunnel) => {
        port = tunnel.localPort;
        return assertEchoes(tunnel.localPort, [4096], expect);
      },
    );
    expect(result).toBe(4096);
    expect(await isListening(port)).toBe(false);

    let failingTunnel: Tunnel | undefined;
    await expect(
      withTunnel(
        { ...awsOptions(emulator), target: BASTION, host: '127.0.0.1', port: echo.port },
        (tunnel) => {
          failingTunnel = tunnel;
          throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
    expect(failingTunnel?.closed).toBe(true);
    expect(await isListening(failingTunnel!.localPort)).toBe(false);
  });

  test('a fixed localPort is used; a taken one fails with ERR_TUNNEL_PORT_IN_USE', async () => {
    await using first = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
    });
    const error = await rejectionOf(
      openTunnel({
        ...awsOptions(emulator),
        target: BASTION,
        host: '127.0.0.1',
        port: echo.port,
        localPort: first.localPort,
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_PORT_IN_USE');
  });
});
