// The local listener: free ports, ports in use, unix sockets, validation.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, onTestFinished } from 'vitest';
import { openPortTunnel, TunnelError } from '../src/index.js';
import { rejectionOf } from './helpers.js';
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

beforeAll(async () => {
  world = await startTunnelWorld();
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

describe('local listener', () => {
  test('localPort 0 (the default) picks a free port on 127.0.0.1', async () => {
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      port: echo.port, // AWS-StartPortForwardingSession: a port on the (emulated) instance
    });
    expect(tunnel.localAddress).toBe('127.0.0.1');
    expect(tunnel.localPort).toBeGreaterThan(1023);
    expect(world.emulator.state.sessions.get(tunnel.sessionId!)?.documentName).toBe(
      'AWS-StartPortForwardingSession',
    );
    const payload = randomPayload(50_000);
    expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
  });

  test('a port in use fails with ERR_TUNNEL_PORT_IN_USE before any session starts', async () => {
    const blocker = net.createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    const sessionsBefore = world.emulator.state.sessions.size;
    try {
      const error = await rejectionOf(
        openPortTunnel({
          context: world.context,
          target: BASTION,
          host: '127.0.0.1',
          port: echo.port,
          localPort: port,
        }),
      );
      expect(TunnelError.isInstance(error)).toBe(true);
      expect(error.code).toBe('ERR_TUNNEL_PORT_IN_USE');
      expect((error as TunnelError).localPort).toBe(port);
      expect(error.message).toContain(String(port));
      expect(error.message).toContain('localPort: 0');
      expect(world.emulator.state.sessions.size).toBe(sessionsBefore);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('a chosen localPort is used', async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      localPort: port,
    });
    expect(tunnel.localPort).toBe(port);
  });

  test('a unix socket listener forwards byte-exact', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ssmkit-tunnel-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'tunnel.sock');
    await using tunnel = await openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      unixSocket: path,
    });
    expect(tunnel.unixSocket).toBe(path);
    expect(tunnel.localAddress).toBe(path);
    const payloads = [randomPayload(100_000), randomPayload(3)];
    const results = await Promise.all(payloads.map((payload) => echoThrough(path, payload.bytes)));
    results.forEach((result, index) => expect(sha256(result)).toBe(payloads[index]!.sha256));
    // The same path while it is in use:
    const error = await rejectionOf(
      openPortTunnel({
        context: world.context,
        target: BASTION,
        port: echo.port,
        unixSocket: path,
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_PORT_IN_USE');
  });

  test('a bind address that is not local fails with ERR_TUNNEL_BIND', async () => {
    const error = await rejectionOf(
      openPortTunnel({
        context: world.context,
        target: BASTION,
        port: echo.port,
        bindAddress: '192.0.2.1',
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_BIND');
  });

  test('invalid options fail once, naming the option', async () => {
    const error = await rejectionOf(
      openPortTunnel({ context: world.context, target: BASTION, port: 70_000 }),
    );
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect(error.message).toContain('`port`');
  });

  test('an offline target fails with the AWS error from StartSession', async () => {
    world.emulator.state.setTargetOnline(BASTION, false);
    try {
      const error = await rejectionOf(
        openPortTunnel({
          context: world.context,
          target: {
            target: BASTION,
            kind: 'ec2-instance',
            source: 'explicit',
            description: BASTION,
            tried: [],
          },
          port: echo.port,
        }),
      );
      expect(error.code).toBe('ERR_AWS_TARGET_NOT_CONNECTED');
    } finally {
      world.emulator.state.setTargetOnline(BASTION, true);
    }
  });
});
