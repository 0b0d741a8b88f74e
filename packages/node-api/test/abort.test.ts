// AbortSignal in every phase of opening: before anything, during target resolution while an
// ephemeral Fargate task is starting (it must end up STOPPED), during the session start, and
// after the tunnel is open (it closes).
import { createHoldingDataChannelService, startEmulator, type Emulator } from '@ssmkit/emulator';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabaseTunnel, openTunnel, openTunnels, type TunnelEvent } from '../src/index.js';
import {
  BASTION,
  awsOptions,
  isListening,
  rejectionOf,
  slowEcsWorld,
  startEchoServer,
  startTestEmulator,
  waitFor,
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
