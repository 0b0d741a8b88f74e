import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { SSMClient, StartSessionCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.js';
import { DEFAULT_WORLD_IDS } from '../src/index.js';
import { clientConfig, createManualClock, rejection, start } from './helpers.js';

const clock = createManualClock();
let emulator: Emulator;
let ecs: ECSClient;
let ssm: SSMClient;

const networkConfiguration = {
  awsvpcConfiguration: {
    subnets: [DEFAULT_WORLD_IDS.subnetIds[0]],
    securityGroups: [DEFAULT_WORLD_IDS.bastionSecurityGroupId],
    assignPublicIp: 'DISABLED' as const,
  },
};

beforeAll(async () => {
  emulator = await start({ clock });
  ecs = new ECSClient(clientConfig(emulator));
  ssm = new SSMClient(clientConfig(emulator));
});
afterAll(async () => {
  ecs.destroy();
  ssm.destroy();
  await emulator.close();
});

describe('ECS discovery', () => {
  it('lists clusters and services and describes them', async () => {
    const clusters = await ecs.send(new ListClustersCommand({}));
    expect(clusters.clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/demo']);
    const services = await ecs.send(new ListServicesCommand({ cluster: 'demo' }));
    expect(services.serviceArns).toEqual([
      'arn:aws:ecs:us-east-1:000000000000:service/demo/bastion',
    ]);
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: 'demo', services: ['bastion', 'missing'] }),
    );
    expect(described.services![0]).toMatchObject({
      serviceName: 'bastion',
      enableExecuteCommand: true,
      launchType: 'FARGATE',
      taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/bastion:1',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...DEFAULT_WORLD_IDS.subnetIds],
          securityGroups: [DEFAULT_WORLD_IDS.bastionSecurityGroupId],
          assignPublicIp: 'DISABLED',
        },
      },
    });
    expect(described.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/demo/missing', reason: 'MISSING' },
    ]);
  });

  it('describes task definitions by family and family:revision', async () => {
    for (const reference of ['bastion', 'bastion:1']) {
      const result = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: reference }),
      );
      expect(result.taskDefinition).toMatchObject({
        family: 'bastion',
        revision: 1,
        networkMode: 'awsvpc',
        containerDefinitions: [expect.objectContaining({ name: 'bastion' }) as unknown],
      });
    }
    const error = await rejection(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:9' })),
    );
    expect(error.name).toBe('ClientException');
  });

  it('has a running service task that is an SSM target', async () => {
    const listed = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', serviceName: 'bastion' }),
    );
    expect(listed.taskArns).toHaveLength(1);
    const described = await ecs.send(
      new DescribeTasksCommand({ cluster: 'demo', tasks: listed.taskArns }),
    );
    const task = described.tasks![0]!;
    expect(task.lastStatus).toBe('RUNNING');
    const container = task.containers![0]!;
    expect(container.managedAgents).toEqual([
      expect.objectContaining({ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING' }),
    ]);
    const taskId = task.taskArn!.split('/').pop()!;
    const target = `ecs:demo_${taskId}_${container.runtimeId}`;
    await expect(ssm.send(new StartSessionCommand({ Target: target }))).resolves.toBeTruthy();
    const unknownService = await rejection(
      ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'nope' })),
    );
    expect(unknownService.name).toBe('ServiceNotFoundException');
  });
});

describe('ECS RunTask lifecycle', () => {
  it('PROVISIONING → PENDING → RUNNING, agent RUNNING, StartSession, StopTask → STOPPED', async () => {
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: 'demo',
        taskDefinition: 'bastion',
        launchType: 'FARGATE',
        networkConfiguration,
        enableExecuteCommand: true,
        startedBy: 'ssmkit',
        tags: [{ key: 'ssmkit:ephemeral', value: 'true' }],
        overrides: { containerOverrides: [{ name: 'bastion', command: ['sleep', '3600'] }] },
      }),
    );
    expect(run.failures).toEqual([]);
    const started = run.tasks![0]!;
    expect(started.lastStatus).toBe('PROVISIONING');
    expect(started.desiredStatus).toBe('RUNNING');
    expect(started.enableExecuteCommand).toBe(true);
    expect(started.containers![0]!.runtimeId).toBeUndefined();
    const taskArn = started.taskArn!;
    expect(taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/demo\/[0-9a-f]{32}$/);
    const taskId = taskArn.split('/').pop()!;

    const describe = async () =>
      (
        await ecs.send(
          new DescribeTasksCommand({ cluster: 'demo', tasks: [taskArn], include: ['TAGS'] }),
        )
      ).tasks![0]!;

    clock.advance(500);
    expect((await describe()).lastStatus).toBe('PENDING');
    clock.advance(1_600);
    const running = await describe();
    expect(running.lastStatus).toBe('RUNNING');
    expect(running.tags).toEqual([{ key: 'ssmkit:ephemeral', value: 'true' }]);
    expect(running.startedBy).toBe('ssmkit');
    const container = running.containers![0]!;
    expect(container.runtimeId).toMatch(new RegExp(`^${taskId}-\\d{10}$`));
    expect(container.managedAgents![0]).toMatchObject({
      name: 'ExecuteCommandAgent',
      lastStatus: 'PENDING',
    });
    expect(container.networkInterfaces![0]!.privateIpv4Address).toMatch(/^10\.0\./);
    expect(running.attachments![0]!.details).toEqual(
      expect.arrayContaining([{ name: 'subnetId', value: DEFAULT_WORLD_IDS.subnetIds[0] }]),
    );
    const target = `ecs:demo_${taskId}_${container.runtimeId}`;
    const early = await rejection(ssm.send(new StartSessionCommand({ Target: target })));
    expect(early.name).toBe('TargetNotConnected');

    clock.advance(1_000);
    const ready = await describe();
    expect(ready.containers![0]!.managedAgents![0]!.lastStatus).toBe('RUNNING');
    const session = await ssm.send(
      new StartSessionCommand({
        Target: target,
        DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
        Parameters: {
          host: [DEFAULT_WORLD_IDS.dbEndpoint],
          portNumber: ['5432'],
          localPortNumber: ['0'],
        },
      }),
    );
    expect(session.SessionId).toBeTruthy();

    const byStartedBy = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', startedBy: 'ssmkit' }),
    );
    expect(byStartedBy.taskArns).toEqual([taskArn]);
    const byFamily = await ecs.send(new ListTasksCommand({ cluster: 'demo', family: 'bastion' }));
    expect(byFamily.taskArns).toContain(taskArn);

    const stopped = await ecs.send(
      new StopTaskCommand({ cluster: 'demo', task: taskArn, reason: 'done' }),
    );
    expect(stopped.task).toMatchObject({
      desiredStatus: 'STOPPED',
      lastStatus: 'DEPROVISIONING',
      stoppedReason: 'done',
    });
    const afterStop = await rejection(ssm.send(new StartSessionCommand({ Target: target })));
    expect(afterStop.name).toBe('TargetNotConnected');
    clock.advance(1_000);
    const gone = await describe();
    expect(gone).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'done',
    });
    expect(gone.stoppedAt).toBeInstanceOf(Date);
    const stoppedList = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', desiredStatus: 'STOPPED' }),
    );
    expect(stoppedList.taskArns).toEqual([taskArn]);
    const runningList = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', startedBy: 'ssmkit' }),
    );
    expect(runningList.taskArns).toEqual([]);
  });

  it('a task without enableExecuteCommand is never an SSM target', async () => {
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: 'demo',
        taskDefinition: 'bastion:1',
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        networkConfiguration,
      }),
    );
    const taskArn = run.tasks![0]!.taskArn!;
    expect(run.tasks![0]!.capacityProviderName).toBe('FARGATE_SPOT');
    clock.advance(10_000);
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [taskArn] })))
      .tasks![0]!;
    expect(task.lastStatus).toBe('RUNNING');
    expect(task.containers![0]!.managedAgents).toBeUndefined();
    const target = `ecs:demo_${taskArn.split('/').pop()!}_${task.containers![0]!.runtimeId}`;
    const error = await rejection(ssm.send(new StartSessionCommand({ Target: target })));
    expect(error.name).toBe('TargetNotConnected');
  });

  it('rejects bad RunTask requests', async () => {
    const noCluster = await rejection(
      ecs.send(
        new RunTaskCommand({ cluster: 'nope', taskDefinition: 'bastion', networkConfiguration }),
      ),
    );
    expect(noCluster.name).toBe('ClusterNotFoundException');
    const noNetwork = await rejection(
      ecs.send(new RunTaskCommand({ cluster: 'demo', taskDefinition: 'bastion' })),
    );
    expect(noNetwork.name).toBe('InvalidParameterException');
    expect(noNetwork.message).toMatch(/Network Configuration must be provided/);
    const both = await rejection(
      ecs.send(
        new RunTaskCommand({
          cluster: 'demo',
          taskDefinition: 'bastion',
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }],
          networkConfiguration,
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
    const badDefinition = await rejection(
      ecs.send(
        new RunTaskCommand({ cluster: 'demo', taskDefinition: 'nope', networkConfiguration }),
      ),
    );
    expect(badDefinition.name).toBe('InvalidParameterException');
    const badSubnet = await rejection(
      ecs.send(
        new RunTaskCommand({
          cluster: 'demo',
          taskDefinition: 'bastion',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000000000000dead'] } },
        }),
      ),
    );
    expect(badSubnet.name).toBe('InvalidParameterException');
    const badStop = await rejection(
      ecs.send(new StopTaskCommand({ cluster: 'demo', task: '0'.repeat(32) })),
    );
    expect(badStop.name).toBe('InvalidParameterException');
  });

  it('reports unknown tasks as MISSING failures', async () => {
    const result = await ecs.send(
      new DescribeTasksCommand({ cluster: 'demo', tasks: ['f'.repeat(32)] }),
    );
    expect(result.tasks).toEqual([]);
    expect(result.failures).toEqual([
      { arn: `arn:aws:ecs:us-east-1:000000000000:task/demo/${'f'.repeat(32)}`, reason: 'MISSING' },
    ]);
  });
});
