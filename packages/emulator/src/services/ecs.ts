/** ECS (AWS JSON 1.1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`). */
import { AwsApiError } from '../server/aws-error.js';
import { randomString } from '../internal/ids.js';
import type { TaskRecord } from '../state.js';
import type { AwsvpcConfiguration, WorldEcsCluster, WorldTaskDefinition } from '../world/schema.js';
import {
  asRecord,
  epochSeconds,
  optionalArray,
  optionalBoolean,
  optionalNumber,
  optionalString,
  optionalStringArray,
  stringField,
} from './context.js';
import type { JsonOperation, RequestContext } from './context.js';
import { authorize } from './permissions.js';

const INVALID = 'InvalidParameterException';

function invalid(message: string): AwsApiError {
  return new AwsApiError(INVALID, message, 400);
}

function arnPrefix(context: RequestContext): string {
  return `arn:aws:ecs:${context.region}:${context.identity.accountId}`;
}

function clusterArn(context: RequestContext, name: string): string {
  return `${arnPrefix(context)}:cluster/${name}`;
}

function taskDefinitionArn(context: RequestContext, definition: WorldTaskDefinition): string {
  return `${arnPrefix(context)}:task-definition/${definition.family}:${definition.revision}`;
}

function taskArn(context: RequestContext, task: TaskRecord): string {
  return `${arnPrefix(context)}:task/${task.clusterName}/${task.taskId}`;
}

/** Resolves `cluster` (name or ARN, default `default`) or throws ClusterNotFoundException. */
function resolveCluster(context: RequestContext, input: Record<string, unknown>): WorldEcsCluster {
  const raw = optionalString(input, 'cluster', INVALID) ?? 'default';
  const name = raw.startsWith('arn:') ? (raw.split(':cluster/')[1] ?? '') : raw;
  const cluster = context.state.world.ecs.clusters.find(
    (candidate) => candidate.clusterName === name,
  );
  if (cluster === undefined)
    throw new AwsApiError('ClusterNotFoundException', 'Cluster not found.', 400);
  ensureServiceTasks(context, cluster);
  return cluster;
}

const seededServices = new WeakMap<object, Set<string>>();

/** Services start with `desiredCount` tasks already RUNNING (created an hour "ago"). */
function ensureServiceTasks(context: RequestContext, cluster: WorldEcsCluster): void {
  const { state } = context;
  let seeded = seededServices.get(state);
  if (seeded === undefined) {
    seeded = new Set();
    seededServices.set(state, seeded);
  }
  const key = `${context.region}|${context.identity.accountId}|${cluster.clusterName}`;
  if (seeded.has(key)) return;
  seeded.add(key);
  for (const service of cluster.services) {
    const definition = findTaskDefinition(context, service.taskDefinition);
    if (definition === undefined) continue;
    const deployment = randomString(19, '0123456789');
    for (let index = 0; index < service.desiredCount; index += 1) {
      state.createTask({
        clusterName: cluster.clusterName,
        accountId: context.identity.accountId,
        region: context.region,
        taskDefinition: definition,
        createdAt: state.clock.now() - 3_600_000,
        group: `service:${service.serviceName}`,
        launchType: service.launchType,
        startedBy: `ecs-svc/${deployment}`,
        enableExecuteCommand: service.enableExecuteCommand,
        tags: [],
        ...(service.networkConfiguration === undefined
          ? {}
          : { networkConfiguration: service.networkConfiguration.awsvpcConfiguration }),
      });
    }
  }
}

/** `family`, `family:revision` or a task-definition ARN. */
function findTaskDefinition(
  context: RequestContext,
  reference: string,
): WorldTaskDefinition | undefined {
  const plain = reference.startsWith('arn:')
    ? (reference.split(':task-definition/')[1] ?? '')
    : reference;
  const [family, revisionText] = plain.split(':');
  const candidates = context.state.world.ecs.taskDefinitions.filter(
    (definition) => definition.family === family,
  );
  if (revisionText === undefined) return candidates.sort((a, b) => b.revision - a.revision)[0];
  return candidates.find((definition) => definition.revision === Number(revisionText));
}

function findTask(
  context: RequestContext,
  clusterName: string,
  reference: string,
): TaskRecord | undefined {
  const taskId = reference.startsWith('arn:') ? (reference.split('/').pop() ?? '') : reference;
  const task = context.state.tasks.get(taskId);
  if (task === undefined || task.clusterName !== clusterName || task.region !== context.region)
    return undefined;
  return task;
}

function renderTaskDefinition(
  context: RequestContext,
  definition: WorldTaskDefinition,
): Record<string, unknown> {
  return {
    taskDefinitionArn: taskDefinitionArn(context, definition),
    family: definition.family,
    revision: definition.revision,
    status: 'ACTIVE',
    networkMode: definition.networkMode,
    requiresCompatibilities: definition.requiresCompatibilities,
    compatibilities: ['EC2', 'FARGATE'],
    cpu: definition.cpu,
    memory: definition.memory,
    ...(definition.taskRoleArn === undefined ? {} : { taskRoleArn: definition.taskRoleArn }),
    ...(definition.executionRoleArn === undefined
      ? {}
      : { executionRoleArn: definition.executionRoleArn }),
    containerDefinitions: definition.containerDefinitions.map((container) => ({
      name: container.name,
      image: container.image,
      essential: container.essential,
      cpu: container.cpu ?? 0,
      ...(container.memory === undefined ? {} : { memory: container.memory }),
      portMappings: container.portMappings.map((mapping) => ({
        containerPort: mapping.containerPort,
        hostPort: mapping.containerPort,
        protocol: mapping.protocol,
      })),
      ...(container.command === undefined ? {} : { command: container.command }),
      environment: [],
      mountPoints: [],
      volumesFrom: [],
    })),
    volumes: [],
    placementConstraints: [],
    registeredAt: epochSeconds(Date.UTC(2026, 0, 1)),
    registeredBy: `arn:aws:iam::${context.identity.accountId}:root`,
  };
}

function renderTask(
  context: RequestContext,
  task: TaskRecord,
  includeTags: boolean,
): Record<string, unknown> {
  const { state } = context;
  const status = state.taskStatus(task);
  const agent = state.agentStatus(task);
  const startedAt = state.taskStartedAt(task);
  const stopped = status === 'STOPPED';
  const arn = taskArn(context, task);
  const subnetId = task.networkConfiguration?.subnets[0];
  const subnet = state.world.subnets.find((candidate) => candidate.subnetId === subnetId);
  const containerRunning = status === 'RUNNING';
  const containerStatus = stopped ? 'STOPPED' : status === 'RUNNING' ? 'RUNNING' : 'PENDING';
  const eniId = `eni-${task.taskId.slice(0, 17)}`;
  return {
    attachments:
      task.networkConfiguration === undefined
        ? []
        : [
            {
              id: task.attachmentId,
              type: 'ElasticNetworkInterface',
              status: stopped ? 'DELETED' : status === 'PROVISIONING' ? 'PRECREATED' : 'ATTACHED',
              details: [
                { name: 'subnetId', value: subnetId },
                { name: 'networkInterfaceId', value: eniId },
                {
                  name: 'macAddress',
                  value: `0a:${task.taskId.slice(0, 10).replace(/(..)(?!$)/g, '$1:')}`,
                },
                {
                  name: 'privateDnsName',
                  value: `ip-${(task.privateIpv4Address ?? '').replace(/\./g, '-')}.ec2.internal`,
                },
                { name: 'privateIPv4Address', value: task.privateIpv4Address },
              ],
            },
          ],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: subnet?.availabilityZone ?? `${context.region}a`,
    clusterArn: clusterArn(context, task.clusterName),
    connectivity: status === 'PROVISIONING' ? undefined : 'CONNECTED',
    containers: task.containers.map((container) => ({
      containerArn: `${arnPrefix(context)}:container/${task.clusterName}/${task.taskId}/${container.containerId}`,
      taskArn: arn,
      name: container.name,
      image: container.image,
      ...(containerRunning || (stopped && startedAt !== undefined)
        ? { runtimeId: container.runtimeId }
        : {}),
      lastStatus: containerStatus,
      ...(stopped ? { exitCode: 137 } : {}),
      networkBindings: [],
      networkInterfaces:
        task.privateIpv4Address === undefined
          ? []
          : [{ attachmentId: task.attachmentId, privateIpv4Address: task.privateIpv4Address }],
      healthStatus: 'UNKNOWN',
      ...(task.enableExecuteCommand
        ? {
            managedAgents: [
              {
                name: 'ExecuteCommandAgent',
                lastStatus: agent,
                ...(agent === 'RUNNING' && startedAt !== undefined
                  ? {
                      lastStartedAt: epochSeconds(
                        task.createdAt + state.world.ecs.taskStartup.agentRunningAfterMs,
                      ),
                    }
                  : {}),
              },
            ],
          }
        : {}),
      cpu: '0',
    })),
    cpu: task.taskDefinition.cpu,
    memory: task.taskDefinition.memory,
    createdAt: epochSeconds(task.createdAt),
    desiredStatus: task.stopRequestedAt === undefined ? 'RUNNING' : 'STOPPED',
    enableExecuteCommand: task.enableExecuteCommand,
    group: task.group,
    healthStatus: 'UNKNOWN',
    lastStatus: status,
    ...(task.launchType === undefined ? {} : { launchType: task.launchType }),
    ...(task.capacityProviderName === undefined
      ? {}
      : { capacityProviderName: task.capacityProviderName }),
    overrides: task.overrides,
    ...(task.launchType === 'FARGATE' || task.capacityProviderName?.startsWith('FARGATE')
      ? { platformVersion: '1.4.0', platformFamily: 'Linux' }
      : {}),
    ...(startedAt === undefined
      ? {}
      : {
          startedAt: epochSeconds(startedAt),
          pullStartedAt: epochSeconds(startedAt - 500),
          pullStoppedAt: epochSeconds(startedAt - 100),
        }),
    ...(task.startedBy === undefined ? {} : { startedBy: task.startedBy }),
    ...(task.stopRequestedAt === undefined
      ? {}
      : {
          stopCode: task.stopCode,
          stoppedReason: task.stoppedReason,
          stoppingAt: epochSeconds(task.stopRequestedAt),
          executionStoppedAt: epochSeconds(task.stopRequestedAt),
          ...(stopped
            ? {
                stoppedAt: epochSeconds(
                  task.stopRequestedAt + state.world.ecs.taskStartup.stoppedAfterMs,
                ),
              }
            : {}),
        }),
    ...(includeTags ? { tags: task.tags } : {}),
    taskArn: arn,
    taskDefinitionArn: taskDefinitionArn(context, task.taskDefinition),
    version: stopped ? 4 : status === 'RUNNING' ? 3 : 1,
    ephemeralStorage: { sizeInGiB: 20 },
  };
}

function readAwsvpc(context: RequestContext, raw: unknown): AwsvpcConfiguration | undefined {
  if (raw === undefined || raw === null) return undefined;
  const configuration = asRecord(asRecord(raw).awsvpcConfiguration);
  const subnets = optionalStringArray(configuration, 'subnets', INVALID) ?? [];
  if (subnets.length === 0) throw invalid('subnets can not be empty.');
  if (subnets.length > 16) throw invalid('subnets can have at most 16 items.');
  for (const subnet of subnets) {
    if (!context.state.world.subnets.some((candidate) => candidate.subnetId === subnet)) {
      throw invalid(
        `Error retrieving subnet information for [${subnet}]: The subnet ID '${subnet}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`,
      );
    }
  }
  const securityGroups = optionalStringArray(configuration, 'securityGroups', INVALID) ?? [];
  for (const group of securityGroups) {
    if (!context.state.world.securityGroups.some((candidate) => candidate.groupId === group)) {
      throw invalid(
        `Error retrieving security group information for [${group}]: The security group '${group}' does not exist (ErrorCode: InvalidGroup.NotFound)`,
      );
    }
  }
  const assignPublicIp = optionalString(configuration, 'assignPublicIp', INVALID) ?? 'DISABLED';
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw invalid(`assignPublicIp must be ENABLED or DISABLED.`);
  }
  return { subnets, securityGroups, assignPublicIp };
}

function readTags(raw: unknown[] | undefined): Array<{ key: string; value: string }> {
  const tags = (raw ?? []).map((item) => {
    const tag = asRecord(item);
    const key = tag.key;
    const value = tag.value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw invalid('The key of a tag must be between 1 and 128 characters.');
    }
    if (typeof value !== 'string' || value.length > 256)
      throw invalid('The value of a tag must be at most 256 characters.');
    return { key, value };
  });
  if (tags.length > 50) throw invalid('Tags cannot exceed 50.');
  return tags;
}

const runTask: JsonOperation = (input, context) => {
  const cluster = resolveCluster(context, input);
  const reference = optionalString(input, 'taskDefinition', INVALID);
  if (reference === undefined) throw invalid('TaskDefinition can not be blank.');
  const definition = findTaskDefinition(context, reference);
  if (definition === undefined) throw invalid('TaskDefinition not found.');
  authorize(context, 'ecs:RunTask', taskDefinitionArn(context, definition));

  const count = optionalNumber(input, 'count', INVALID) ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 10)
    throw invalid('count must be between 1 and 10.');
  const launchType = optionalString(input, 'launchType', INVALID);
  const strategy = optionalArray(input, 'capacityProviderStrategy', INVALID);
  if (launchType !== undefined && strategy !== undefined && strategy.length > 0) {
    throw invalid(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  if (launchType !== undefined && !['EC2', 'FARGATE', 'EXTERNAL'].includes(launchType)) {
    throw invalid(`launchType must be one of EC2, FARGATE, EXTERNAL.`);
  }
  // Without launchType or strategy the cluster's default capacity provider strategy applies;
  // emulated clusters default to FARGATE.
  const capacityProviderName =
    strategy !== undefined && strategy.length > 0
      ? stringField(asRecord(strategy[0]), 'capacityProvider')
      : launchType === undefined
        ? 'FARGATE'
        : undefined;
  if (
    capacityProviderName !== undefined &&
    !['FARGATE', 'FARGATE_SPOT'].includes(capacityProviderName)
  ) {
    throw invalid(
      `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`,
    );
  }
  const effectiveLaunchType = launchType;
  const fargate = effectiveLaunchType === 'FARGATE' || capacityProviderName !== undefined;
  if (fargate && definition.networkMode !== 'awsvpc') {
    throw invalid('Task definition does not support launch_type FARGATE.');
  }
  if (fargate && !definition.requiresCompatibilities.includes('FARGATE')) {
    throw invalid('Task definition does not support launch_type FARGATE.');
  }
  const networkConfiguration = readAwsvpc(context, input.networkConfiguration);
  if (definition.networkMode === 'awsvpc' && networkConfiguration === undefined) {
    throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (definition.networkMode !== 'awsvpc' && networkConfiguration !== undefined) {
    throw invalid(
      'Network Configuration is not valid for the given networkMode of this task definition.',
    );
  }
  if (effectiveLaunchType === 'EC2') {
    return {
      tasks: [],
      failures: [
        {
          arn: clusterArn(context, cluster.clusterName),
          reason: 'No Container Instances were found in your cluster.',
        },
      ],
    };
  }
  const startedBy = optionalString(input, 'startedBy', INVALID);
  if (startedBy !== undefined && startedBy.length > 36)
    throw invalid('startedBy must be at most 36 characters.');
  const group = optionalString(input, 'group', INVALID) ?? `family:${definition.family}`;
  const tags = readTags(optionalArray(input, 'tags', INVALID));
  const enableExecuteCommand = optionalBoolean(input, 'enableExecuteCommand') ?? false;
  const overrides = input.overrides === undefined ? undefined : asRecord(input.overrides);
  const now = context.state.clock.now();
  const tasks: unknown[] = [];
  for (let index = 0; index < count; index += 1) {
    const task = context.state.createTask({
      clusterName: cluster.clusterName,
      accountId: context.identity.accountId,
      region: context.region,
      taskDefinition: definition,
      createdAt: now,
      group,
      ...(effectiveLaunchType === undefined ? {} : { launchType: effectiveLaunchType }),
      ...(capacityProviderName === undefined ? {} : { capacityProviderName }),
      ...(startedBy === undefined ? {} : { startedBy }),
      enableExecuteCommand,
      tags,
      ...(overrides === undefined
        ? {}
        : {
            overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...overrides },
          }),
      ...(networkConfiguration === undefined ? {} : { networkConfiguration }),
    });
    tasks.push(renderTask(context, task, true));
  }
  return { tasks, failures: [] };
};

const describeTasks: JsonOperation = (input, context) => {
  const cluster = resolveCluster(context, input);
  const references = optionalStringArray(input, 'tasks', INVALID);
  if (references === undefined || references.length === 0) throw invalid('Tasks cannot be empty.');
  if (references.length > 100) throw invalid('Tasks cannot contain more than 100 entries.');
  authorize(context, 'ecs:DescribeTasks', clusterArn(context, cluster.clusterName));
  const includeTags = (optionalStringArray(input, 'include', INVALID) ?? []).includes('TAGS');
  const tasks: unknown[] = [];
  const failures: unknown[] = [];
  for (const reference of references) {
    const task = findTask(context, cluster.clusterName, reference);
    if (task === undefined) {
      failures.push({
        arn: reference.startsWith('arn:')
          ? reference
          : `${arnPrefix(context)}:task/${cluster.clusterName}/${reference}`,
        reason: 'MISSING',
      });
    } else {
      tasks.push(renderTask(context, task, includeTags));
    }
  }
  return { tasks, failures };
};

const listTasks: JsonOperation = (input, context) => {
  const cluster = resolveCluster(context, input);
  authorize(context, 'ecs:ListTasks', clusterArn(context, cluster.clusterName));
  const serviceName = optionalString(input, 'serviceName', INVALID);
  if (
    serviceName !== undefined &&
    !cluster.services.some((service) => service.serviceName === serviceName)
  ) {
    throw new AwsApiError('ServiceNotFoundException', 'Service not found.', 400);
  }
  const family = optionalString(input, 'family', INVALID);
  const startedBy = optionalString(input, 'startedBy', INVALID);
  const launchType = optionalString(input, 'launchType', INVALID);
  const desiredStatus = optionalString(input, 'desiredStatus', INVALID) ?? 'RUNNING';
  if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
    throw invalid('desiredStatus must be one of RUNNING, PENDING, STOPPED.');
  }
  const taskArns = [...context.state.tasks.values()]
    .filter((task) => task.clusterName === cluster.clusterName && task.region === context.region)
    .filter((task) => serviceName === undefined || task.group === `service:${serviceName}`)
    .filter((task) => family === undefined || task.taskDefinition.family === family)
    .filter((task) => startedBy === undefined || task.startedBy === startedBy)
    .filter((task) => launchType === undefined || task.launchType === launchType)
    .filter((task) => {
      const stopping = task.stopRequestedAt !== undefined;
      return desiredStatus === 'STOPPED' ? stopping : !stopping;
    })
    .map((task) => taskArn(context, task));
  return { taskArns };
};

const stopTask: JsonOperation = (input, context) => {
  const cluster = resolveCluster(context, input);
  const reference = optionalString(input, 'task', INVALID);
  if (reference === undefined) throw invalid('Task can not be blank.');
  const task = findTask(context, cluster.clusterName, reference);
  if (task === undefined) throw invalid('The referenced task was not found.');
  authorize(
    context,
    'ecs:StopTask',
    taskArn(context, task),
    Object.fromEntries(task.tags.map((tag) => [tag.key, tag.value])),
  );
  if (task.stopRequestedAt === undefined) {
    task.stopRequestedAt = context.state.clock.now();
    task.stopCode = 'UserInitiated';
    task.stoppedReason = optionalString(input, 'reason', INVALID) ?? 'Task stopped by user';
    for (const container of task.containers) {
      context.state.emit(
        'target-status',
        `ecs:${task.clusterName}_${task.taskId}_${container.runtimeId}`,
        false,
      );
    }
  }
  return { task: renderTask(context, task, false) };
};

const listClusters: JsonOperation = (_input, context) => {
  authorize(context, 'ecs:ListClusters', '*');
  return {
    clusterArns: context.state.world.ecs.clusters.map((cluster) =>
      clusterArn(context, cluster.clusterName),
    ),
  };
};

const describeClusters: JsonOperation = (input, context) => {
  authorize(context, 'ecs:DescribeClusters', '*');
  const references = optionalStringArray(input, 'clusters', INVALID) ?? ['default'];
  const clusters: unknown[] = [];
  const failures: unknown[] = [];
  for (const reference of references) {
    const name = reference.startsWith('arn:') ? (reference.split(':cluster/')[1] ?? '') : reference;
    const cluster = context.state.world.ecs.clusters.find(
      (candidate) => candidate.clusterName === name,
    );
    if (cluster === undefined) {
      failures.push({
        arn: reference.startsWith('arn:') ? reference : clusterArn(context, name),
        reason: 'MISSING',
      });
      continue;
    }
    ensureServiceTasks(context, cluster);
    const tasks = [...context.state.tasks.values()].filter(
      (task) => task.clusterName === cluster.clusterName && task.region === context.region,
    );
    clusters.push({
      clusterArn: clusterArn(context, cluster.clusterName),
      clusterName: cluster.clusterName,
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: tasks.filter((task) => context.state.taskStatus(task) === 'RUNNING')
        .length,
      pendingTasksCount: tasks.filter((task) =>
        ['PROVISIONING', 'PENDING'].includes(context.state.taskStatus(task)),
      ).length,
      activeServicesCount: cluster.services.length,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    });
  }
  return { clusters, failures };
};

const listServices: JsonOperation = (input, context) => {
  const cluster = resolveCluster(context, input);
  authorize(context, 'ecs:ListServices', clusterArn(context, cluster.clusterName));
  const launchType = optionalString(input, 'launchType', INVALID);
  return {
    serviceArns: cluster.services
      .filter((service) => launchType === undefined || service.launchType === launchType)
      .map(
        (service) => `${arnPrefix(context)}:service/${cluster.clusterName}/${service.serviceName}`,
      ),
  };
};

const describeServices: JsonOperation = (input, context) => {
  const cluster = resolveCluster(context, input);
  const references = optionalStringArray(input, 'services', INVALID);
  if (references === undefined || references.length === 0)
    throw invalid('Services cannot be empty.');
  authorize(context, 'ecs:DescribeServices', clusterArn(context, cluster.clusterName));
  const includeTags = (optionalStringArray(input, 'include', INVALID) ?? []).includes('TAGS');
  const services: unknown[] = [];
  const failures: unknown[] = [];
  for (const reference of references) {
    const name = reference.startsWith('arn:') ? (reference.split('/').pop() ?? '') : reference;
    const service = cluster.services.find((candidate) => candidate.serviceName === name);
    const arn = `${arnPrefix(context)}:service/${cluster.clusterName}/${name}`;
    if (service === undefined) {
      failures.push({ arn, reason: 'MISSING' });
      continue;
    }
    const definition = findTaskDefinition(context, service.taskDefinition);
    const running = [...context.state.tasks.values()].filter(
      (task) =>
        task.group === `service:${service.serviceName}` &&
        task.clusterName === cluster.clusterName &&
        task.region === context.region &&
        task.stopRequestedAt === undefined,
    );
    const networkConfiguration =
      service.networkConfiguration === undefined
        ? undefined
        : { awsvpcConfiguration: service.networkConfiguration.awsvpcConfiguration };
    const taskDefinition =
      definition === undefined ? service.taskDefinition : taskDefinitionArn(context, definition);
    services.push({
      serviceArn: arn,
      serviceName: service.serviceName,
      clusterArn: clusterArn(context, cluster.clusterName),
      status: 'ACTIVE',
      desiredCount: service.desiredCount,
      runningCount: running.filter((task) => context.state.taskStatus(task) === 'RUNNING').length,
      pendingCount: running.filter((task) => context.state.taskStatus(task) !== 'RUNNING').length,
      launchType: service.launchType,
      ...(service.launchType === 'FARGATE'
        ? { platformVersion: 'LATEST', platformFamily: 'Linux' }
        : {}),
      taskDefinition,
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
      deployments: [
        {
          id: `ecs-svc/${service.serviceName}`,
          status: 'PRIMARY',
          taskDefinition,
          desiredCount: service.desiredCount,
          runningCount: running.length,
          pendingCount: 0,
          launchType: service.launchType,
          ...(networkConfiguration === undefined ? {} : { networkConfiguration }),
          rolloutState: 'COMPLETED',
        },
      ],
      events: [],
      createdAt: epochSeconds(Date.UTC(2026, 0, 1)),
      ...(networkConfiguration === undefined ? {} : { networkConfiguration }),
      schedulingStrategy: 'REPLICA',
      enableECSManagedTags: true,
      propagateTags: 'NONE',
      enableExecuteCommand: service.enableExecuteCommand,
      ...(includeTags
        ? { tags: Object.entries(service.tags).map(([key, value]) => ({ key, value })) }
        : {}),
    });
  }
  return { services, failures };
};

const describeTaskDefinition: JsonOperation = (input, context) => {
  const reference = optionalString(input, 'taskDefinition', INVALID);
  if (reference === undefined) throw invalid('TaskDefinition can not be blank.');
  const definition = findTaskDefinition(context, reference);
  if (definition === undefined)
    throw new AwsApiError('ClientException', 'Unable to describe task definition.', 400);
  authorize(context, 'ecs:DescribeTaskDefinition', '*');
  const includeTags = (optionalStringArray(input, 'include', INVALID) ?? []).includes('TAGS');
  return {
    taskDefinition: renderTaskDefinition(context, definition),
    ...(includeTags ? { tags: [] } : {}),
  };
};

export const ecsOperations: Record<string, JsonOperation> = {
  ListClusters: listClusters,
  DescribeClusters: describeClusters,
  ListServices: listServices,
  DescribeServices: describeServices,
  DescribeTaskDefinition: describeTaskDefinition,
  RunTask: runTask,
  DescribeTasks: describeTasks,
  ListTasks: listTasks,
  StopTask: stopTask,
};
