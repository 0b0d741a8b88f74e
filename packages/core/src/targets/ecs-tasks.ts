import type { Container, Task } from '@aws-sdk/client-ecs';
import type { AwsContext } from '../aws/aws-context.js';
import { loadSdk } from '../aws/sdk.js';
import { TargetError } from '../errors/target-error.js';
import { callAws } from '../internal/call-aws.js';
import { formatEcsTarget, nameFromArn } from './target-id.js';

/** The ECS Exec agent's name in `containers[].managedAgents[]`. */
export const EXECUTE_COMMAND_AGENT = 'ExecuteCommandAgent';

/** Status of a container's ExecuteCommandAgent (`RUNNING`, `PENDING`, …) or `NONE`. @internal */
export function agentStatusOf(container: Container): string {
  const agent = container.managedAgents?.find((managed) => managed.name === EXECUTE_COMMAND_AGENT);
  return agent?.lastStatus ?? 'NONE';
}

/**
 * The container to open sessions into: the named one, else the first whose ExecuteCommandAgent
 * is RUNNING, else the first with any ExecuteCommandAgent, else the first. @internal
 */
export function pickContainer(task: Task, containerName?: string): Container | undefined {
  const containers = task.containers ?? [];
  if (containerName !== undefined)
    return containers.find((container) => container.name === containerName);
  return (
    containers.find((container) => agentStatusOf(container) === 'RUNNING') ??
    containers.find((container) => agentStatusOf(container) !== 'NONE') ??
    containers[0]
  );
}

/** The Session Manager target of `container` in `task`, if it has a runtime id. @internal */
export function ecsTargetOf(task: Task, container: Container): string | undefined {
  if (task.taskArn === undefined || container.runtimeId === undefined) return undefined;
  const cluster = nameFromArn(task.clusterArn ?? '');
  return formatEcsTarget({
    cluster,
    taskId: nameFromArn(task.taskArn),
    runtimeId: container.runtimeId,
  });
}

/** DescribeTasks for up to 100 tasks. @internal */
export async function describeTasks(
  context: AwsContext,
  cluster: string,
  tasks: string[],
  options: { signal?: AbortSignal; includeTags?: boolean } = {},
): Promise<Task[]> {
  const { DescribeTasksCommand } = await loadSdk('ecs');
  const ecs = await context.client('ecs');
  const found: Task[] = [];
  for (let start = 0; start < tasks.length; start += 100) {
    const output = await callAws('ecs:DescribeTasks', () =>
      ecs.send(
        new DescribeTasksCommand({
          cluster,
          tasks: tasks.slice(start, start + 100),
          ...(options.includeTags ? { include: ['TAGS'] } : {}),
        }),
        { abortSignal: options.signal },
      ),
    );
    found.push(...(output.tasks ?? []));
  }
  return found;
}

/** ListTasks with pagination. @internal */
export async function listTaskArns(
  context: AwsContext,
  input: { cluster: string; serviceName?: string; startedBy?: string },
  signal?: AbortSignal,
): Promise<string[]> {
  const { ListTasksCommand } = await loadSdk('ecs');
  const ecs = await context.client('ecs');
  const arns: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 50; page++) {
    const output = await callAws('ecs:ListTasks', () =>
      ecs.send(new ListTasksCommand({ ...input, desiredStatus: 'RUNNING', nextToken }), {
        abortSignal: signal,
      }),
    );
    arns.push(...(output.taskArns ?? []));
    nextToken = output.nextToken;
    if (!nextToken) break;
  }
  return arns;
}

/** A running ECS task container usable as a Session Manager target. @internal */
export interface EcsTaskTarget {
  target: string;
  task: Task;
  container: Container;
}

/**
 * Find a running task of `service` (or the task `task`) whose chosen container has a RUNNING
 * ExecuteCommandAgent.
 * @internal
 */
export async function findEcsTaskTarget(
  context: AwsContext,
  spec: { cluster: string; service?: string; task?: string; container?: string },
  signal?: AbortSignal,
): Promise<EcsTaskTarget> {
  const where =
    spec.service !== undefined
      ? `service ${spec.service} of cluster ${spec.cluster}`
      : `cluster ${spec.cluster}`;
  const tried: string[] = [];
  const arns =
    spec.task !== undefined
      ? [spec.task]
      : await listTaskArns(
          context,
          {
            cluster: spec.cluster,
            ...(spec.service === undefined ? {} : { serviceName: spec.service }),
          },
          signal,
        );
  tried.push(
    spec.task !== undefined
      ? `ECS: task ${spec.task} in cluster ${spec.cluster}`
      : `ECS: ${arns.length} running task(s) in ${where}`,
  );
  const tasks =
    arns.length === 0 ? [] : await describeTasks(context, spec.cluster, arns, { signal });
  const running = tasks.filter((task) => task.lastStatus === 'RUNNING');
  if (running.length === 0) {
    throw new TargetError(
      'ERR_TARGET_NOT_FOUND',
      spec.task !== undefined
        ? `ECS task ${spec.task} is not running in cluster ${spec.cluster}${tasks[0]?.lastStatus ? ` (status ${tasks[0].lastStatus})` : ''}.`
        : `No running task in ${where}. Scale the service up, or use an ephemeral bastion (\`{ ephemeral: { cluster, service } }\`).`,
      { tried },
    );
  }
  const execEnabled = running.filter((task) => task.enableExecuteCommand !== false);
  if (execEnabled.length === 0) {
    throw new TargetError(
      'ERR_TARGET_EXEC_DISABLED',
      `ECS Exec is not enabled on the running task(s) of ${where}. Run \`aws ecs update-service --cluster ${spec.cluster} --service ${spec.service ?? '<service>'} --enable-execute-command --force-new-deployment\`, or use an ephemeral bastion.`,
      { tried },
    );
  }
  const statuses: string[] = [];
  for (const task of execEnabled) {
    const container = pickContainer(task, spec.container);
    if (container === undefined) {
      statuses.push(
        `${nameFromArn(task.taskArn ?? '?')}: no container named ${spec.container ?? '?'}`,
      );
      continue;
    }
    const status = agentStatusOf(container);
    const target = ecsTargetOf(task, container);
    if (status === 'RUNNING' && target !== undefined) return { target, task, container };
    statuses.push(
      `${nameFromArn(task.taskArn ?? '?')}/${container.name ?? '?'}: ExecuteCommandAgent ${status}`,
    );
  }
  tried.push(...statuses.map((status) => `ECS: ${status}`));
  if (
    spec.container !== undefined &&
    statuses.every((status) => status.includes('no container named'))
  ) {
    throw new TargetError(
      'ERR_TARGET_NOT_FOUND',
      `No container named '${spec.container}' in the running task(s) of ${where}.`,
      { tried },
    );
  }
  throw new TargetError(
    'ERR_TARGET_OFFLINE',
    `No running task in ${where} has a RUNNING ExecuteCommandAgent (${statuses.join('; ')}). Check the task role's ssmmessages permissions and the route to the ssmmessages endpoint.`,
    { tried },
  );
}
