// Lifecycle behaviour through the emulator: SSMKIT_TARGET, ephemeral bastions stopped on close,
// WebSocket drops (reconnect), keep-alive past the idle timeout, and an import without effects.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Emulator } from '@ssmkit/emulator';
import { afterEach, describe, expect, test } from 'vitest';
import { openTunnel, type TunnelEvent } from '../src/index.js';
import {
  BASTION,
  assertEchoes,
  awsOptions,
  fastEcsWorld,
  randomPayload,
  sha256,
  startEchoServer,
  startTestEmulator,
  waitFor,
  type TestServer,
} from './helpers.js';
import { cleanEnvironment, packageDirectory, runScript, withoutSdkWarning } from './run-script.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(
  world?: Parameters<typeof startTestEmulator>[0],
): Promise<{ emulator: Emulator; echo: TestServer }> {
  const echo = await startEchoServer();
  const emulator = await startTestEmulator(world);
  cleanups.push(
    () => echo.close(),
    () => emulator.close(),
  );
  return { emulator, echo };
}

describe('target from SSMKIT_TARGET', () => {
  const saved = process.env.SSMKIT_TARGET;
  afterEach(() => {
    if (saved === undefined) delete process.env.SSMKIT_TARGET;
    else process.env.SSMKIT_TARGET = saved;
  });

  test.each([
    ['an instance id', BASTION],
    ['JSON', JSON.stringify({ tag: { Name: 'bastion' } })],
    ['an SSM parameter in JSON', JSON.stringify({ parameter: '/demo/bastion/instance-id' })],
  ])('%s', async (_name, value) => {
    const { emulator, echo } = await setUp();
    process.env.SSMKIT_TARGET = value;
    await using tunnel = await openTunnel({
      ...awsOptions(emulator),
      host: '127.0.0.1',
      port: echo.port,
    });
    expect(tunnel.target.target).toBe(BASTION);
    await assertEchoes(tunnel.localPort, [20_000], expect);
  });
});

describe('ephemeral Fargate bastion', () => {
  test('started for the tunnel, carries traffic, STOPPED by close()', async () => {
    const { emulator, echo } = await setUp(fastEcsWorld());
    const events: TunnelEvent[] = [];
    const tunnel = await openTunnel({
      ...awsOptions(emulator),
      host: '127.0.0.1',
      port: echo.port,
      target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
      onEvent: (event) => events.push(event),
    });
    expect(tunnel.target.source).toBe('ephemeral');
    expect(tunnel.target.target).toMatch(/^ecs:demo_/);
    await assertEchoes(tunnel.localPort, [250_000, 1], expect);
    const taskArn = tunnel.target.ephemeral!.taskArn;
    const task = [...emulator.state.tasks.values()].find((candidate) =>
      taskArn.endsWith(candidate.taskId),
    )!;
    expect(task.stopRequestedAt).toBeUndefined();
    await tunnel.close();
    expect(task.stopRequestedAt).toBeTypeOf('number');
    await waitFor(() => emulator.state.taskStatus(task) === 'STOPPED', 5_000, 'the task to stop');
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'starting-task',
        'task-running',
        'target-resolved',
        'session-started',
        'closed',
      ]),
    );
  });
});

describe('reconnect', () => {
  test('a dropped WebSocket is resumed; a transfer in flight arrives byte-exact', async () => {
    const { emulator, echo } = await setUp();
    await using tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      reconnect: { retries: 5, baseDelayMs: 20, maxDelayMs: 200 },
    });
    // One connection across the drop: 200 kB echoed, the WebSocket killed, 200 kB more written
    // while the tunnel reconnects. (Kept small in flight: after a resume the emulated agent, like
    // the real one, retransmits one unacknowledged message per 100 ms.)
    const reconnected = new Promise<void>((resolve) => tunnel.on('reconnected', () => resolve()));
    const socket = net.connect({ host: '127.0.0.1', port: tunnel.localPort, allowHalfOpen: true });
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.byteLength;
    });
    const first = randomPayload(200_000);
    const second = randomPayload(200_000);
    socket.write(first.bytes);
    await waitFor(() => received === first.bytes.byteLength, 10_000, 'the first echo');
    expect(emulator.dataChannel.killSockets(tunnel.sessionId!)).toBeGreaterThan(0);
    socket.write(second.bytes);
    await reconnected;
    await waitFor(
      () => received === first.bytes.byteLength + second.bytes.byteLength,
      20_000,
      'the second echo',
    );
    socket.end();
    await once(socket, 'close');
    const all = Buffer.concat(chunks);
    expect(all.byteLength).toBe(400_000);
    expect(sha256(all)).toBe(sha256(Buffer.concat([first.bytes, second.bytes])));
    expect(tunnel.stats().reconnects).toBe(1);
    expect(tunnel.stats().sessionsStarted).toBe(1);
  });
});

describe('idle timeout and keepAlive', () => {
  test('after the service idle timeout, the next connection opens a fresh session', async () => {
    const { emulator, echo } = await setUp();
    emulator.state.setPreferences({ idleTimeoutSeconds: 1 });
    const ended: string[] = [];
    await using tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      onEvent: (event) => {
        if (event.type === 'session-ended') ended.push(event.output);
      },
    });
    const first = tunnel.sessionId;
    await waitFor(() => ended.length > 0, 10_000, 'the idle timeout');
    expect(ended[0]).toBe('Your session timed out due to inactivity and has been terminated.');
    await assertEchoes(tunnel.localPort, [10_000, 70_000], expect);
    expect(tunnel.sessionId).not.toBe(first);
    expect(tunnel.stats().sessionsStarted).toBe(2);
  });

  // Spec §10.1: data messages, smux NOPs included, reset the service's idle timer.
  test('keepAlive keeps an idle session past the idle timeout', async () => {
    const { emulator, echo } = await setUp();
    emulator.state.setPreferences({ idleTimeoutSeconds: 1 });
    const ended: string[] = [];
    await using tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      keepAlive: { intervalMs: 100 },
      onEvent: (event) => {
        if (event.type === 'session-ended') ended.push(event.reason);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(ended).toEqual([]);
    expect(tunnel.stats().sessionsStarted).toBe(1);
  });
});

describe('import', () => {
  test('has no side effects: no output, no handles, no AWS environment read', async () => {
    const script = [
      'const before = process.getActiveResourcesInfo().length;',
      "const api = await import('@ssmkit/node-api');",
      "if (typeof api.openTunnel !== 'function') throw new Error('no openTunnel');",
      'await new Promise((resolve) => setImmediate(resolve));',
      'const after = process.getActiveResourcesInfo().length;',
      'process.stdout.write(JSON.stringify({ before, after, exports: Object.keys(api).sort() }));',
    ].join('\n');
    const result = await runScript('--eval', {
      env: cleanEnvironment({ DEBUG: '', AWS_REGION: 'us-east-1' }),
      nodeArguments: ['--conditions=@ssmkit/source', '--import', 'tsx', '--input-type=module'],
      arguments: [script],
    });
    expect(withoutSdkWarning(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const { before, after, exports } = JSON.parse(result.stdout) as {
      before: number;
      after: number;
      exports: string[];
    };
    // tsx's own loader handles may close meanwhile: nothing may be added by the import.
    expect(after).toBeLessThanOrEqual(before);
    expect(exports).toEqual(
      expect.arrayContaining([
        'openTunnel',
        'openTunnels',
        'withTunnel',
        'openDatabaseTunnel',
        'ConfigError',
        'TunnelError',
      ]),
    );
  });
  // The published entry is the build: run `pnpm build` first (`pnpm test` does).
  test.skipIf(!existsSync(join(packageDirectory, 'dist/index.js')))(
    'CommonJS: require() loads the ESM build (Node ≥ 20.19 require(esm))',
    async () => {
      const script = [
        "const api = require('@ssmkit/node-api');",
        "if (typeof api.openTunnel !== 'function') throw new Error('no openTunnel');",
        'process.stdout.write(Object.keys(api).sort().join(","));',
      ].join('\n');
      const result = await runScript('--eval', {
        env: cleanEnvironment({ DEBUG: '' }),
        nodeArguments: [],
        arguments: [script],
      });
      expect(result.stderr).not.toMatch(/ERR_/);
      expect(result.code).toBe(0);
      expect(result.stdout.split(',')).toEqual(
        expect.arrayContaining(['openDatabaseTunnel', 'openTunnel', 'openTunnels', 'withTunnel']),
      );
    },
  );
});
