// AbortSignal in every phase of opening: before anything, while each AWS request is in flight
// (database lookup, secret, target lookup, agent check, RunTask, StartSession), while an
// ephemeral Fargate task is starting (it must end up STOPPED), during the handshake, in the
// middle of openTunnels, and after the tunnel is open (it closes).
import {
  createHoldingDataChannelService,
  startEmulator,
  type Emulator,
  type WorldInput,
} from '@ssmkit/emulator';
import { afterEach, describe, expect, test } from 'vitest';
import {
  openDatabaseTunnel,
  openTunnel,
  openTunnels,
  type SsmError,
  type TunnelEvent,
} from '../src/index.js';
import {
  BASTION,
  DB_HOST,
  awsOptions,
  fastEcsWorld,
  freePort,
  isListening,
  rejectionOf,
  slowEcsWorld,
  startEchoServer,
  startOperationProxy,
  startTestEmulator,
  waitFor,
  worldWithAliases,
} from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulatorFor(world?: Parameters<typeof startTestEmulator>[0]): Promise<Emulator> {
  const emulator = await startTestEmulator(world);
  cleanups.push(() => emulator.close());
  return emulator;
}

describe('signal', () => {
  test('already aborted: rejects before any AWS call with ERR_TUNNEL_CLOSED', async () => {
    const emulator = await emulatorFor();
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    for (const open of [
      () =>
        openTunnel({
          ...awsOptions(emulator),
          target: BASTION,
          port: 22,
          signal: controller.signal,
        }),
      () =>
        openTunnels([{ target: BASTION, port: 22 }], {
          ...awsOptions(emulator),
          signal: controller.signal,
        }),
      () =>
        openDatabaseTunnel({ ...awsOptions(emulator), db: 'demo-db', signal: controller.signal }),
    ]) {
      const error = await rejectionOf(open());
      expect(error.code).toBe('ERR_TUNNEL_CLOSED');
      expect((error.cause as Error).message).toBe('user cancelled');
    }
    expect(emulator.state.sessions.size).toBe(0);
  });

  test('before resolution (on the resolving event): rejects, nothing started, port released', async () => {
    const emulator = await emulatorFor();
    const controller = new AbortController();
    const error = await rejectionOf(
      openTunnel({
        ...awsOptions(emulator),
        target: { tag: { Name: 'bastion' } },
        port: 22,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'resolving') controller.abort();
        },
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_CLOSED');
    expect(emulator.state.sessions.size).toBe(0);
  });

  test('while an ephemeral Fargate task is starting: rejects and the task is STOPPED', async () => {
    const emulator = await emulatorFor(slowEcsWorld());
    const controller = new AbortController();
    const events: TunnelEvent[] = [];
    const pending = openTunnel({
      ...awsOptions(emulator),
      target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
      port: 22,
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'starting-task') setTimeout(() => controller.abort(), 100);
      },
    });
    const error = await rejectionOf(pending);
    expect(error.code).toBe('ERR_TUNNEL_CLOSED');
    expect(events.map((event) => event.type)).toContain('starting-task');
    const tasks = [...emulator.state.tasks.values()].filter((task) =>
      task.startedBy?.includes('ssmkit'),
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.stopRequestedAt).toBeTypeOf('number');
    expect(tasks[0]!.stoppedReason).toBe('ssmkit: aborted');
    await waitFor(
      () => emulator.state.taskStatus(tasks[0]!) === 'STOPPED',
      5_000,
      'the task to stop',
    );
    expect(emulator.state.sessions.size).toBe(0);
  });

  test('during the session start (handshake never completes): rejects, session terminated', async () => {
    const emulator = await startEmulator({
      port: 0,
      dataChannel: createHoldingDataChannelService(),
    });
    cleanups.push(() => emulator.close());
    const controller = new AbortController();
    const pending = openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      port: 22,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'target-resolved') {
          // Abort once StartSession has answered and the WebSocket is waiting for the handshake.
          const timer = setInterval(() => {
            if (emulator.state.sessions.size > 0) {
              clearInterval(timer);
              setTimeout(() => controller.abort(), 50);
            }
          }, 5);
        }
      },
    });
    const error = await rejectionOf(pending);
    expect(error.code).toBe('ERR_TUNNEL_CLOSED');
    const sessions = [...emulator.state.sessions.values()];
    expect(sessions).toHaveLength(1);
    await waitFor(
      () => sessions[0]!.status === 'Terminated',
      5_000,
      'the session to be terminated',
    );
  });

  test('after opening: aborting closes the tunnel', async () => {
    const emulator = await emulatorFor();
    const echo = await startEchoServer();
    cleanups.push(() => echo.close());
    const controller = new AbortController();
    const tunnel = await openTunnel({
      ...awsOptions(emulator),
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      signal: controller.signal,
    });
    const closed = new Promise<void>((resolve) => tunnel.on('closed', () => resolve()));
    controller.abort();
    await closed;
    expect(tunnel.closed).toBe(true);
    expect(await isListening(tunnel.localPort)).toBe(false);
  });
});

/** Every session the emulator knows is (or becomes) Terminated: none is left behind. */
async function expectNoLiveSession(emulator: Emulator): Promise<void> {
  await waitFor(
    () => [...emulator.state.sessions.values()].every((session) => session.status === 'Terminated'),
    5_000,
    'every session to be terminated',
  );
}

/** The ephemeral tasks ssmkit started, each of which must be stopped. */
async function expectOurTasksStopped(emulator: Emulator, expected: number): Promise<void> {
  const ours = [...emulator.state.tasks.values()].filter((task) =>
    task.startedBy?.includes('ssmkit'),
  );
  expect(ours).toHaveLength(expected);
  await waitFor(
    () => ours.every((task) => emulator.state.taskStatus(task) === 'STOPPED'),
    5_000,
    'the ephemeral tasks to stop',
  );
}

describe('signal while an AWS request is in flight', () => {
  /**
   * Opens through a relay that aborts the first time `operation` passes it, and checks the
   * rejection, the released local port and that nothing started is left running.
   */
  async function abortDuring(
    operation: string,
    world: WorldInput,
    open: (options: {
      endpoint: string;
      signal: AbortSignal;
      localPort: number;
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string };
    }) => Promise<{ close(): Promise<void> }>,
  ): Promise<{ emulator: Emulator; operations: string[] }> {
    const emulator = await emulatorFor(world);
    const controller = new AbortController();
    const proxy = await startOperationProxy(emulator, (seen) => {
      if (seen === operation) controller.abort(new Error(`aborted during ${operation}`));
    });
    cleanups.push(() => proxy.close());
    const localPort = await freePort();
    const error = await rejectionOf(
      open({
        ...awsOptions(emulator),
        endpoint: proxy.endpoint,
        signal: controller.signal,
        localPort,
      }).then((opened) => opened.close()),
    );
    expect(proxy.operations).toContain(operation);
    expect(error.code).toBe('ERR_TUNNEL_CLOSED');
    expect((error as SsmError).name).toBe('TunnelError');
    expect((error.cause as Error).message).toBe(`aborted during ${operation}`);
    expect(await isListening(localPort)).toBe(false);
    // Also for StartSession: core waits for the answer of a request cut short by the abort and
    // terminates the session it created, so nothing is left Connecting.
    if (operation === 'StartSession') expect(emulator.state.sessions.size).toBeGreaterThan(0);
    await expectNoLiveSession(emulator);
    return { emulator, operations: proxy.operations };
  }

  test.each(['DescribeInstances', 'DescribeInstanceInformation', 'StartSession'])(
    'openTunnel, target by tag: during %s',
    async (operation) => {
      const echo = await startEchoServer();
      cleanups.push(() => echo.close());
      const { operations } = await abortDuring(operation, worldWithAliases({}), (options) =>
        openTunnel({
          ...options,
          target: { tag: { Name: 'bastion' } },
          host: '127.0.0.1',
          port: echo.port,
        }),
      );
      // Nothing after the aborted request was attempted (TerminateSession is cleanup).
      const after = operations.slice(operations.indexOf(operation) + 1);
      expect(after.filter((name) => name !== 'TerminateSession')).toEqual([]);
    },
  );

  test.each(['DescribeDBInstances', 'GetSecretValue', 'StartSession'])(
    'openDatabaseTunnel: during %s',
    async (operation) => {
      const echo = await startEchoServer();
      cleanups.push(() => echo.close());
      await abortDuring(
        operation,
        worldWithAliases({ [`${DB_HOST}:5432`]: echo.port }),
        (options) => openDatabaseTunnel({ ...options, db: 'demo-db' }),
      );
    },
  );

  test('an ephemeral bastion: during RunTask, the task started is STOPPED', async () => {
    const echo = await startEchoServer();
    cleanups.push(() => echo.close());
    const { emulator } = await abortDuring('RunTask', fastEcsWorld(), (options) =>
      openTunnel({
        ...options,
        target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
        host: '127.0.0.1',
        port: echo.port,
      }),
    );
    await expectOurTasksStopped(emulator, 1);
  });
});

describe('openTunnels: cancelled in the middle', () => {
  test('the group signal aborts while one tunnel is open and another starting: all closed', async () => {
    const emulator = await emulatorFor(slowEcsWorld());
    const echo = await startEchoServer();
    cleanups.push(() => echo.close());
    const controller = new AbortController();
    let firstPort = 0;
    const error = await rejectionOf(
      openTunnels(
        [
          {
            name: 'ready',
            target: BASTION,
            host: '127.0.0.1',
            port: echo.port,
            onEvent: (event) => {
              if (event.type === 'listening') {
                firstPort = event.port;
                setTimeout(() => controller.abort(new Error('enough')), 50);
              }
            },
          },
          {
            name: 'slow',
            target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
            host: '127.0.0.1',
            port: echo.port,
            // A signal of its own does not shield it from the group's.
            signal: new AbortController().signal,
          },
        ],
        { ...awsOptions(emulator), signal: controller.signal },
      ),
    );
    expect(error.code).toBe('ERR_TUNNEL_CLOSED');
    expect((error.cause as Error).message).toBe('enough');
    expect(firstPort).toBeGreaterThan(0);
    expect(await isListening(firstPort)).toBe(false);
    await expectNoLiveSession(emulator);
    await expectOurTasksStopped(emulator, 1);
  });
});

describe('stopOnSignals', () => {
  const ephemeral = { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } };

  test.each([
    [undefined, 1],
    [true, 1],
    [false, 0],
  ] as const)(
    'stopOnSignals %s: %d SIGINT/SIGTERM listener while an ephemeral bastion runs, none after close',
    async (stopOnSignals, expected) => {
      const emulator = await emulatorFor(fastEcsWorld());
      const echo = await startEchoServer();
      cleanups.push(() => echo.close());
      const before = {
        SIGINT: process.listenerCount('SIGINT'),
        SIGTERM: process.listenerCount('SIGTERM'),
      };
      const tunnel = await openTunnel({
        ...awsOptions(emulator),
        target: ephemeral,
        host: '127.0.0.1',
        port: echo.port,
        ...(stopOnSignals === undefined ? {} : { stopOnSignals }),
      });
      try {
        expect(process.listenerCount('SIGINT') - before.SIGINT).toBe(expected);
        expect(process.listenerCount('SIGTERM') - before.SIGTERM).toBe(expected);
      } finally {
        await tunnel.close();
      }
      expect(process.listenerCount('SIGINT')).toBe(before.SIGINT);
      expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM);
      await expectOurTasksStopped(emulator, 1);
    },
  );

  test('a bad stopOnSignals names the option', async () => {
    const error = await rejectionOf(
      openTunnel({ target: BASTION, port: 22, stopOnSignals: 'yes' as unknown as boolean }),
    );
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect(error.message).toContain('stopOnSignals');
  });
});
