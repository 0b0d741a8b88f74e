import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, test } from 'vitest';
import {
  cleanupEphemeralBastions,
  EphemeralTag,
  parseEcsTarget,
  resolveTarget,
  startEphemeralBastion,
  type AwsContext,
  type TargetError,
  type TargetProgressEvent,
} from '../src/index.js';
import { defaultWorld, fastEcsWorld, rejectionOf, startWorld } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function fastWorld(change?: Parameters<typeof fastEcsWorld>[0]): Promise<AwsContext> {
  const started = await startWorld(fastEcsWorld(change));
  close = started.close;
  return started.context;
}

async function describeTask(aws: AwsContext, taskArn: string) {
  const output = await (
    await aws.client('ecs')
  ).send(new DescribeTasksCommand({ cluster: 'demo', tasks: [taskArn], include: ['TAGS'] }));
  const task = output.tasks?.[0];
  if (task === undefined) throw new Error(`task ${taskArn} not found`);
  const tags: Record<string, string | undefined> = Object.fromEntries(
    (task.tags ?? []).map((tag) => [tag.key ?? '', tag.value]),
  );
  return { task, tags };
}

async function waitForStatus(aws: AwsContext, taskArn: string, status: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await describeTask(aws, taskArn)).task.lastStatus === status) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`task never reached ${status}`);
}

describe('startEphemeralBastion', () => {
  test('from a service: tagged, waited for, stopped', async () => {
    const aws = await fastWorld();
    const events: TargetProgressEvent[] = [];
    const before = Date.now();
    const bastion = await startEphemeralBastion(aws, {
      cluster: 'demo',
      service: 'bastion',
      ttlSeconds: 600,
      pollIntervalMs: 20,
      tags: { team: 'data' },
      onProgress: (event) => events.push(event),
    });
    const parts = parseEcsTarget(bastion.target);
    expect(parts).toMatchObject({ cluster: 'demo', taskId: bastion.taskId });
    expect(bastion.container).toBe('bastion');
    expect(bastion.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 600_000);

    const types = events.map((event) => event.type);
    expect(types[0]).toBe('starting-task');
    expect(types).toContain('task-pending');
    expect(types).toContain('task-running');
    expect(types.at(-1)).toBe('agent-running');
    expect(types.indexOf('task-running')).toBeLessThan(types.indexOf('agent-running'));
    for (let index = 1; index < events.length; index++) {
      expect(events[index]!.elapsedMs).toBeGreaterThanOrEqual(events[index - 1]!.elapsedMs);
    }

    const { task, tags } = await describeTask(aws, bastion.taskArn);
    expect(task.enableExecuteCommand).toBe(true);
    expect(task.startedBy).toBe('ssmkit');
    expect(task.lastStatus).toBe('RUNNING');
    expect(tags).toMatchObject({
      [EphemeralTag.EPHEMERAL]: 'true',
      [EphemeralTag.OWNER]: 'arn:aws:iam::000000000000:user/test',
      team: 'data',
    });
    expect(Date.parse(tags[EphemeralTag.EXPIRES_AT] ?? '')).toBeGreaterThanOrEqual(
      before + 600_000,
    );

    await bastion.stop({ wait: true });
    await bastion.stop(); // idempotent
    const stopped = await describeTask(aws, bastion.taskArn);
    expect(stopped.task.lastStatus).toBe('STOPPED');
    expect(stopped.task.stoppedReason).toBe('ssmkit: stopped');
  });

  test('from an explicit task definition and subnets, via resolveTarget({ ephemeral })', async () => {
    const aws = await fastWorld();
    const resolved = await resolveTarget(aws, {
      ephemeral: {
        cluster: 'demo',
        taskDefinition: 'bastion:1',
        subnets: ['subnet-0a1b2c3d4e5f60001'],
        securityGroups: ['sg-0a1b2c3d4e5f60001'],
        command: ['sleep', '3600'],
        container: 'bastion',
        pollIntervalMs: 20,
      },
    });
    expect(resolved.source).toBe('ephemeral');
    expect(resolved.ephemeral).toBeDefined();
    const { task } = await describeTask(aws, resolved.ephemeral!.taskArn);
    expect(task.overrides?.containerOverrides?.[0]).toMatchObject({
      name: 'bastion',
      command: ['sleep', '3600'],
    });
    await resolved.ephemeral!.stop();
    await waitForStatus(aws, resolved.ephemeral!.taskArn, 'STOPPED');
  });

  test('await using stops the task', async () => {
    const aws = await fastWorld();
    let taskArn: string;
    {
      await using bastion = await startEphemeralBastion(aws, {
        cluster: 'demo',
        service: 'bastion',
        pollIntervalMs: 20,
      });
      taskArn = bastion.taskArn;
    }
    await waitForStatus(aws, taskArn, 'STOPPED');
  });

  test('aborting during the wait stops the task: ERR_TARGET_ABORTED', async () => {
    const aws = await fastWorld(
      (() => {
        const world = defaultWorld();
        world.ecs!.taskStartup = {
          pendingAfterMs: 20,
          runningAfterMs: 60_000,
          agentRunningAfterMs: 60_000,
          stoppedAfterMs: 20,
        };
        return world;
      })(),
    );
    const controller = new AbortController();
    let taskArn = '';
    const pending = startEphemeralBastion(aws, {
      cluster: 'demo',
      service: 'bastion',
      pollIntervalMs: 20,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'task-pending') {
          taskArn = event.taskArn;
          controller.abort();
        }
      },
    });
    const error = await rejectionOf(pending);
    expect(error.code).toBe('ERR_TARGET_ABORTED');
    expect(taskArn).not.toBe('');
    const { task } = await describeTask(aws, taskArn);
    expect(task.desiredStatus).toBe('STOPPED');
    expect(task.stoppedReason).toBe('ssmkit: aborted');
  });

  test('an agent that never starts: ERR_TARGET_TIMEOUT and the task is stopped', async () => {
    const world = defaultWorld();
    world.ecs!.taskStartup = {
      pendingAfterMs: 10,
      runningAfterMs: 20,
      agentRunningAfterMs: 60_000,
      stoppedAfterMs: 20,
    };
    const started = await startWorld(world);
    close = started.close;
    const events: TargetProgressEvent[] = [];
    const error = (await rejectionOf(
      startEphemeralBastion(started.context, {
        cluster: 'demo',
        service: 'bastion',
        timeoutMs: 300,
        pollIntervalMs: 20,
        onProgress: (event) => events.push(event),
      }),
    )) as TargetError;
    expect(error.code).toBe('ERR_TARGET_TIMEOUT');
    expect(error.message).toMatch(/ExecuteCommandAgent PENDING/);
    const stopping = events.find((event) => event.type === 'stopping-task');
    expect(stopping).toBeDefined();
    expect(events.map((event) => event.type)).toContain('agent-pending');
    const { task } = await describeTask(started.context, (stopping as { taskArn: string }).taskArn);
    expect(task.desiredStatus).toBe('STOPPED');
  });

  test('RunTask failures: ERR_TARGET_TASK_START_FAILED', async () => {
    const aws = await fastWorld(
      (() => {
        const world = defaultWorld();
        world.ecs!.taskDefinitions![0]!.requiresCompatibilities = ['EC2', 'FARGATE'];
        return world;
      })(),
    );
    const error = await rejectionOf(
      startEphemeralBastion(aws, { cluster: 'demo', service: 'bastion', launchType: 'EC2' }),
    );
    expect(error.code).toBe('ERR_TARGET_TASK_START_FAILED');
    expect(error.message).toContain('No Container Instances');
  });

  test('an unknown service: ERR_TARGET_NOT_FOUND; options need a service or a task definition', async () => {
    const aws = await fastWorld();
    expect(
      (await rejectionOf(startEphemeralBastion(aws, { cluster: 'demo', service: 'nope' }))).code,
    ).toBe('ERR_TARGET_NOT_FOUND');
    expect((await rejectionOf(startEphemeralBastion(aws, { cluster: 'demo' }))).code).toBe(
      'ERR_CONFIG_INVALID_OPTION',
    );
  });
});

describe('cleanupEphemeralBastions', () => {
  test('stops expired ephemeral tasks only', async () => {
    const aws = await fastWorld();
    const shortLived = await startEphemeralBastion(aws, {
      cluster: 'demo',
      service: 'bastion',
      ttlSeconds: 60,
      pollIntervalMs: 20,
    });
    const longLived = await startEphemeralBastion(aws, {
      cluster: 'demo',
      service: 'bastion',
      ttlSeconds: 7200,
      pollIntervalMs: 20,
    });

    expect(await cleanupEphemeralBastions(aws)).toEqual([]);
    const now = Date.now() + 120_000;
    expect(await cleanupEphemeralBastions(aws, { now, dryRun: true })).toEqual([
      shortLived.taskArn,
    ]);
    expect(await cleanupEphemeralBastions(aws, { now, clusters: ['demo'] })).toEqual([
      shortLived.taskArn,
    ]);

    const expired = await describeTask(aws, shortLived.taskArn);
    expect(expired.task.desiredStatus).toBe('STOPPED');
    expect(expired.task.stoppedReason).toContain('expired');
    expect((await describeTask(aws, longLived.taskArn)).task.desiredStatus).toBe('RUNNING');
    // The service's own task was never touched.
    expect(await cleanupEphemeralBastions(aws, { now })).toEqual([]);
    await longLived.stop();
  });

  test('ownOnly skips tasks started by someone else', async () => {
    const aws = await fastWorld();
    const bastion = await startEphemeralBastion(aws, {
      cluster: 'demo',
      service: 'bastion',
      ttlSeconds: 60,
      pollIntervalMs: 20,
    });
    const now = Date.now() + 120_000;
    expect(await cleanupEphemeralBastions(aws, { now, ownOnly: true, dryRun: true })).toEqual([
      bastion.taskArn,
    ]);
    await bastion.stop();
  });
});
