// openTunnels: several tunnels in one process, sharing credentials and clients, closing together.
import net from 'node:net';
import type { Emulator } from '@ssmkit/emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAwsContext, openTunnels } from '../src/index.js';
import {
  AURORA_HOST,
  BASTION,
  DB_HOST,
  awsOptions,
  echoThrough,
  isListening,
  randomPayload,
  rejectionOf,
  sha256,
  slowEcsWorld,
  startNamedEchoServer,
  startTestEmulator,
  waitFor,
  worldWithAliases,
  type TestServer,
} from './helpers.js';

let emulator: Emulator;
let primary: TestServer;
let analytics: TestServer;

beforeAll(async () => {
  primary = await startNamedEchoServer('primary');
  analytics = await startNamedEchoServer('analytics');
  emulator = await startTestEmulator(
    worldWithAliases({
      [`${DB_HOST}:5432`]: primary.port,
      [`${AURORA_HOST}:5432`]: analytics.port,
    }),
  );
});
afterAll(async () => {
  await emulator?.close();
  await primary?.close();
  await analytics?.close();
});

/** First line a tunnel's destination sends: which server the tunnel reached. */
async function greeting(port: number): Promise<string> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  socket.destroy();
  return text.split('\n')[0]!;
}

describe('openTunnels', () => {
  test('two tunnels to two destinations at once, byte-exact, closed together', async () => {
    const logged: string[] = [];
    const group = await openTunnels(
      [
        { name: 'primary', host: DB_HOST, port: 5432, target: BASTION },
        { name: 'analytics', host: AURORA_HOST, port: 5432, target: { tag: { Name: 'bastion' } } },
      ],
      { ...awsOptions(emulator), logger: { info: (message) => logged.push(message) } },
    );
    const [first, second] = group.tunnels;
    expect(group.tunnels).toHaveLength(2);
    expect(first.localPort).not.toBe(second.localPort);
    expect(first.sessionId).not.toBe(second.sessionId);
    const [a, b] = await Promise.all([greeting(first.localPort), greeting(second.localPort)]);
    expect(a).toBe('primary');
    expect(b).toBe('analytics');
    // Concurrent byte-exact traffic through both (the greeting comes first, then the echo).
    const sizes = [70_000, 150_000, 1];
    for (const tunnel of group.tunnels) {
      const name = tunnel === first ? 'primary' : 'analytics';
      const results = await Promise.all(
        sizes.map(async (size) => {
          const { bytes: payload } = randomPayload(size);
          const received = await echoThrough(tunnel.localPort, payload, name.length + 1 + size);
          return { payload, received: received.subarray(name.length + 1) };
        }),
      );
      for (const { payload, received } of results) {
        expect(received.byteLength).toBe(payload.byteLength);
        expect(sha256(received)).toBe(sha256(payload));
      }
    }
    expect(logged.some((line) => line.startsWith('[primary] listening on'))).toBe(true);
    expect(logged.some((line) => line.startsWith('[analytics] listening on'))).toBe(true);
    await group.close();
    expect(first.closed && second.closed).toBe(true);
    expect(await isListening(first.localPort)).toBe(false);
    expect(await isListening(second.localPort)).toBe(false);
  });

  test('share one AwsContext between tunnels with the same AWS options', async () => {
    let calls = 0;
    const credentials = async () => {
      calls++;
      return { accessKeyId: 'test', secretAccessKey: 'test' };
    };
    await using group = await openTunnels(
      [
        { host: DB_HOST, port: 5432, target: BASTION },
        { host: AURORA_HOST, port: 5432, target: BASTION },
        { host: DB_HOST, port: 5432, target: BASTION },
      ],
      { region: 'us-east-1', endpoint: emulator.endpoint, credentials },
    );
    expect(group.tunnels).toHaveLength(3);
    // One memoized provider: credentials loaded once for all three tunnels.
    expect(calls).toBe(1);
    expect(await greeting(group.tunnels[1].localPort)).toBe('analytics');
    expect(await greeting(group.tunnels[2].localPort)).toBe('primary');
  });

  test('a caller-owned context is used and not destroyed', async () => {
    const context = await createAwsContext(awsOptions(emulator));
    try {
      {
        await using group = await openTunnels([{ host: DB_HOST, port: 5432, target: BASTION }], {
          context,
        });
        expect(group.tunnels[0].sessionId).toBeDefined();
      }
      // Still usable after the group closed.
      await expect(context.callerIdentity()).resolves.toMatchObject({ account: '000000000000' });
    } finally {
      context.destroy();
    }
  });

  test('one failing tunnel closes the others and rejects', async () => {
    const before = new Set(emulator.state.sessions.keys());
    const error = await rejectionOf(
      openTunnels(
        [
          { host: DB_HOST, port: 5432, target: BASTION },
          { host: DB_HOST, port: 5432, target: 'i-00000000000000000' },
        ],
        awsOptions(emulator),
      ),
    );
    expect(error.code).toMatch(/^ERR_TARGET_|^ERR_AWS_/);
    // No session is left open.
    const open = () =>
      [...emulator.state.sessions.values()].filter(
        (session) => !before.has(session.sessionId) && session.status !== 'Terminated',
      );
    await waitFor(() => open().length === 0, 5_000, 'every new session to be terminated');
    expect(open().map((session) => session.status)).toEqual([]);
  });

  test('the first failure cancels the opens still running; no ephemeral task keeps running', async () => {
    // Tasks of this world never become RUNNING: without fail-fast the open would wait minutes.
    const slow = await startTestEmulator(slowEcsWorld());
    try {
      const error = await rejectionOf(
        openTunnels(
          [
            {
              host: '127.0.0.1',
              port: 5432,
              target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
            },
            { host: DB_HOST, port: 5432, target: 'i-00000000000000000' },
          ],
          awsOptions(slow),
        ),
      );
      // The reported error is the real failure, not the cancellation it caused.
      expect(error.code).toMatch(/^ERR_TARGET_|^ERR_AWS_/);
      const ours = () =>
        [...slow.state.tasks.values()].filter((task) => task.startedBy?.includes('ssmkit'));
      // Depending on timing the task was not started yet or is being started: either way none
      // may keep running. (Without fail-fast this open waits for a task that never runs.)
      expect(ours().length).toBeLessThanOrEqual(1);
      await waitFor(
        () => ours().every((task) => slow.state.taskStatus(task) === 'STOPPED'),
        10_000,
        'the ephemeral task to be stopped',
      );
      expect([...slow.state.sessions.values()].every((s) => s.status === 'Terminated')).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
