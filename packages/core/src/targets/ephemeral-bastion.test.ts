// The ephemeral-bastion wait loop on fake timers, against a scripted ECS client: timing without
// waiting, and every state transition in order.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import type { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { createAwsContext, type AwsContext } from '../aws/aws-context.js';
import { loadSdk } from '../aws/sdk.js';
import type { TargetProgressEvent } from './progress.js';
import { startEphemeralBastion } from './ephemeral-bastion.js';

const TASK_ARN = 'arn:aws:ecs:us-east-1:111111111111:task/prod/0123456789abcdef0123456789abcdef';

/** A scripted ECS: DescribeTasks returns `script[i]` on its i-th call (the last one repeats). */
function scriptedEcs(script: Partial<Task>[]) {
  let describeCalls = 0;
  const calls: string[] = [];
  const send = vi.fn(async (command: unknown) => {
    if (command instanceof DescribeServicesCommand) {
      calls.push('DescribeServices');
      return {
        services: [
          {
            status: 'ACTIVE',
            taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/api:7',
            launchType: 'FARGATE',
            networkConfiguration: {
              awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] },
            },
          },
        ],
      };
    }
    if (command instanceof RunTaskCommand) {
      calls.push('RunTask');
      return {
        tasks: [
          {
            taskArn: TASK_ARN,
            clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/prod',
            lastStatus: 'PROVISIONING',
          },
        ],
      };
    }
    if (command instanceof DescribeTasksCommand) {
      calls.push('DescribeTasks');
      const step = script[Math.min(describeCalls++, script.length - 1)];
      return {
        tasks: [
          {
            taskArn: TASK_ARN,
            clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/prod',
            ...step,
          },
        ],
      };
    }
    if (command instanceof StopTaskCommand) {
      calls.push('StopTask');
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  });
  return { client: { send } as unknown as ECSClient, send, calls };
}

const sts = {
  send: async () => ({
    Arn: 'arn:aws:iam::111111111111:user/alice',
    Account: '111111111111',
    UserId: 'AIDA',
  }),
} as unknown as STSClient;

function container(agentStatus: string | undefined): Task['containers'] {
  return [
    {
      name: 'app',
      runtimeId: '0123456789abcdef0123456789abcdef-1',
      ...(agentStatus === undefined
        ? {}
        : { managedAgents: [{ name: 'ExecuteCommandAgent', lastStatus: agentStatus }] }),
    },
  ];
}

async function contextWith(ecs: ECSClient): Promise<AwsContext> {
  return createAwsContext({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    clients: { ecs, sts },
  });
}

beforeAll(async () => {
  // The ECS and STS packages (command classes) are imported on first use, which takes real I/O
  // that fake timers cannot advance: import them before time is faked.
  await Promise.all([loadSdk('ecs'), loadSdk('sts')]);
});
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startEphemeralBastion wait loop', () => {
  test('reports each transition once, in order, with elapsed times', async () => {
    const ecs = scriptedEcs([
      { lastStatus: 'PROVISIONING' },
      { lastStatus: 'PENDING' },
      { lastStatus: 'PENDING' },
      { lastStatus: 'RUNNING', containers: container('PENDING') },
      { lastStatus: 'RUNNING', containers: container('RUNNING') },
    ]);
    const events: TargetProgressEvent[] = [];
    const pending = startEphemeralBastion(await contextWith(ecs.client), {
      cluster: 'prod',
      service: 'api',
      onProgress: (event) => events.push(event),
    });
    await vi.advanceTimersByTimeAsync(12_000);
    const bastion = await pending;
    expect(bastion.target).toBe(
      'ecs:prod_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-1',
    );
    expect(
      events.map((event) => [
        event.type,
        event.elapsedMs,
        'lastStatus' in event ? event.lastStatus : '',
      ]),
    ).toEqual([
      ['starting-task', 0, ''],
      ['task-pending', 0, 'PROVISIONING'],
      ['task-pending', 3_000, 'PENDING'],
      ['task-running', 9_000, ''],
      ['agent-pending', 9_000, ''],
      ['agent-running', 12_000, ''],
    ]);
    const run = ecs.send.mock.calls
      .map(([command]) => command)
      .find((command) => command instanceof RunTaskCommand) as RunTaskCommand;
    expect(run.input).toMatchObject({
      cluster: 'prod',
      taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/api:7',
      launchType: 'FARGATE',
      enableExecuteCommand: true,
      startedBy: 'ssmkit',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-1'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'DISABLED',
        },
      },
    });
    expect(run.input.tags).toEqual([
      { key: 'ssmkit:ephemeral', value: 'true' },
      { key: 'ssmkit:owner', value: 'arn:aws:iam::111111111111:user/alice' },
      { key: 'ssmkit:expires-at', value: new Date(Date.now() - 12_000 + 43_200_000).toISOString() },
    ]);
    expect(ecs.calls).not.toContain('StopTask');
  });

  test('gives up after timeoutMs (default 5 minutes) and stops the task', async () => {
    const ecs = scriptedEcs([{ lastStatus: 'RUNNING', containers: container('PENDING') }]);
    const outcome = startEphemeralBastion(await contextWith(ecs.client), {
      cluster: 'prod',
      service: 'api',
    }).then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    await vi.advanceTimersByTimeAsync(299_999);
    expect(ecs.calls).not.toContain('StopTask');
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error?.code).toBe('ERR_TARGET_TIMEOUT');
    expect(ecs.calls.filter((call) => call === 'DescribeTasks')).toHaveLength(101);
    expect(ecs.calls.at(-1)).toBe('StopTask');
  });

  test('a task that stops on its own: ERR_TARGET_TASK_STOPPED with ECS reasons, no StopTask', async () => {
    const ecs = scriptedEcs([
      { lastStatus: 'PENDING' },
      {
        lastStatus: 'STOPPED',
        stoppedReason: 'CannotPullContainerError: pull access denied',
        containers: [{ name: 'app', reason: 'CannotPullContainerError' }],
      },
    ]);
    const outcome = startEphemeralBastion(await contextWith(ecs.client), {
      cluster: 'prod',
      service: 'api',
    }).then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    await vi.advanceTimersByTimeAsync(3_000);
    const error = await outcome;
    expect(error?.code).toBe('ERR_TARGET_TASK_STOPPED');
    expect(error?.message).toContain('CannotPullContainerError: pull access denied');
    expect(error?.message).toContain('app: CannotPullContainerError');
    expect(ecs.calls).not.toContain('StopTask');
  });

  test('abort between polls stops the task at once', async () => {
    const ecs = scriptedEcs([{ lastStatus: 'PENDING' }]);
    const controller = new AbortController();
    const outcome = startEphemeralBastion(await contextWith(ecs.client), {
      cluster: 'prod',
      service: 'api',
      signal: controller.signal,
    }).then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    await vi.advanceTimersByTimeAsync(4_000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    const error = await outcome;
    expect(error?.code).toBe('ERR_TARGET_ABORTED');
    expect(ecs.calls.at(-1)).toBe('StopTask');
    expect(ecs.calls.filter((call) => call === 'DescribeTasks')).toHaveLength(2);
  });
});
