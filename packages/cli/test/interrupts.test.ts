// Ctrl-C: a second one forces the exit; and the unix-socket listener.
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASTION,
  ECHO_HOST,
  echoThrough,
  emulatorState,
  sha256,
  startCli,
  startTestWorld,
  type TestWorld,
} from './helpers.js';

let world: TestWorld;

beforeAll(async () => {
  world = await startTestWorld();
});

afterAll(async () => {
  await world?.close();
});

/**
 * A TCP proxy in front of the emulator that can be frozen: once frozen, bytes in either direction
 * are held back and new connections go nowhere, so any AWS call in flight hangs.
 */
async function startFreezableProxy(upstreamPort: number) {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    if (frozen) return;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => void (frozen || upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (frozen || client.write(chunk)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    freeze: () => void (frozen = true),
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

describe('Ctrl-C', () => {
  it('a stuck graceful close says so after 10 s; a second Ctrl-C exits 130 at once', async () => {
    const proxy = await startFreezableProxy(world.emulator.port);
    try {
      const cli = startCli(
        [
          'forward',
          '--target',
          BASTION,
          '--host',
          ECHO_HOST,
          '--port',
          '7000',
          '--local-port',
          '0',
          '--endpoint-url',
          proxy.endpoint,
        ],
        { env: world.env },
      );
      const [, port] = await cli.waitFor(/Forwarding 127\.0\.0\.1:(\d+) → echo\.internal:7000/);
      const { sent, received } = await echoThrough(Number(port), 100_000);
      expect(received.length).toBe(sent.length);
      expect(sha256(received)).toBe(sha256(sent));
      // AWS stops answering: closing the session cannot finish.
      proxy.freeze();
      cli.child.kill('SIGINT');
      await cli.waitFor(/Stopping… \(Ctrl-C again to force\)/, 'stderr');
      // It does not look hung: after 10 s it says what it waits for and how to get out.
      await cli.waitFor(/Still stopping after 10 s: AWS is slow to answer/, 'stderr');
      cli.child.kill('SIGINT');
      const { code } = await cli.exited;
      expect(code).toBe(130);
      expect(cli.stderr()).toContain(
        'Forced exit: the session and any ephemeral task may still be running.',
      );
      expect(cli.stderr()).not.toContain('Tunnel closed');
    } finally {
      await proxy.close();
    }
  });
});

describe('--unix-socket', () => {
  it('listens on a unix socket and carries traffic byte-exact', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ssm-tunnel-sock-')), 'tunnel.sock');
    const cli = startCli(
      [
        'forward',
        '--target',
        BASTION,
        '--host',
        ECHO_HOST,
        '--port',
        '7000',
        '--unix-socket',
        path,
        '--json',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    await cli.waitFor(/"type":"ready"/);
    const ready = JSON.parse(
      cli
        .stdout()
        .split('\n')
        .find((line) => line.includes('"type":"ready"'))!,
    ) as { local: string; sessionId: string };
    expect(ready.local).toBe(path);
    const payload = randomBytes(300_000);
    const socket = net.connect(path);
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    let total = 0;
    await new Promise<void>((done, fail) => {
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        total += chunk.length;
        if (total >= payload.length) done();
      });
      socket.on('error', fail);
      socket.write(payload);
    });
    socket.destroy();
    const echoed = Buffer.concat(chunks);
    expect(echoed.length).toBe(payload.length);
    expect(sha256(echoed)).toBe(sha256(payload));
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    const state = await emulatorState(world.endpoint);
    expect(state.sessions.find((session) => session.sessionId === ready.sessionId)?.status).toBe(
      'Terminated',
    );
  });
});
