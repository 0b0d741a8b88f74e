// An ephemeral Fargate bastion: started for the tunnel (progress as events), used as the target
// of the session, and stopped by close().
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel, openStdioSession, type TunnelEvent } from '../src/index.js';
import { fastEcsWorld, rejectionOf } from './helpers.js';
import {
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

beforeAll(async () => {
  world = await startTunnelWorld(fastEcsWorld());
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

/** `desiredStatus` of the task: STOPPED once StopTask was called. */
async function taskStatus(taskArn: string): Promise<string | undefined> {
  const output = await (
    await world.context.client('ecs')
  ).send(new DescribeTasksCommand({ cluster: 'demo', tasks: [taskArn] }));
  return output.tasks?.[0]?.desiredStatus;
}

describe('ephemeral bastion', () => {
  test('a tunnel through an ephemeral ECS task stops the task on close()', async () => {
    const events: TunnelEvent[] = [];
    const tunnel = await openPortTunnel({
      context: world.context,
      target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
      host: '127.0.0.1',
      port: echo.port,
      onEvent: (event) => events.push(event),
    });
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      'resolving',
      'starting-task',
      'task-running',
      'target-resolved',
    ]);
    expect(tunnel.target.kind).toBe('ecs-task');
    expect(tunnel.target.target).toMatch(/^ecs:demo_/);
    const taskArn = tunnel.target.ephemeral!.taskArn;
    const payload = randomPayload(64_000);
    expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
    expect(await taskStatus(taskArn)).toBe('RUNNING');
    await tunnel.close();
    expect(await taskStatus(taskArn)).toBe('STOPPED');
  });

  test('a stdio session ended by the service is over for good: the task is stopped', async () => {
    const events: TunnelEvent[] = [];
    const session = await openStdioSession({
      context: world.context,
      target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
      port: echo.port,
      input: new PassThrough(),
      output: new PassThrough(),
      onEvent: (event) => events.push(event),
    });
    const taskArn = session.target.ephemeral!.taskArn;
    expect(await taskStatus(taskArn)).toBe('RUNNING');
    world.emulator.state.endSession(session.sessionId, 'admin');
    expect(await session.done).toMatchObject({ reason: 'channel-closed' });
    await waitFor(
      () => events.some((event) => event.type === 'closed'),
      30_000,
      'the session to close',
    );
    expect(await taskStatus(taskArn)).toBe('STOPPED');
  });

  test('a failed open stops the ephemeral task it started', async () => {
    const events: TunnelEvent[] = [];
    const error = await rejectionOf(
      openStdioSession({
        context: world.context,
        target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
        documentName: 'AWS-StartPortForwardingSession', // not stdio: refused after the task started
        input: new PassThrough(),
        output: new PassThrough(),
        onEvent: (event) => events.push(event),
      }),
    );
    expect(error.code).toBe('ERR_TUNNEL_UNSUPPORTED_SESSION');
    const started = events.find((event) => event.type === 'task-running') as { taskArn: string };
    expect(await taskStatus(started.taskArn)).toBe('STOPPED');
  });
});
