import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { AwsContext } from '@ssmkit/core';

/**
 * The AWS SDK clients of an {@link AwsContext} come from `@ssmkit/core`'s own `@aws-sdk/*`
 * dependencies; command classes must come from the same copies, so they are loaded through
 * core's resolution rather than declared again here. (A few listing helpers — DescribeSessions,
 * ListClusters, DescribeServices — are not exported by core yet.)
 */
type SdkModule = Record<string, new (input: object) => object>;

const cache = new Map<string, Promise<SdkModule>>();

function loadSdk(name: '@aws-sdk/client-ssm' | '@aws-sdk/client-ecs'): Promise<SdkModule> {
  let module = cache.get(name);
  if (module === undefined) {
    const requireFromCore = createRequire(import.meta.resolve('@ssmkit/core'));
    module = import(pathToFileURL(requireFromCore.resolve(name)).href).then(
      (loaded: { default?: SdkModule } & SdkModule) => loaded.default ?? loaded,
    );
    cache.set(name, module);
  }
  return module;
}

/** Sends `command` (by name) with the context's SSM client. */
export async function sendSsm<Output>(
  context: AwsContext,
  command: string,
  input: object,
  signal?: AbortSignal,
): Promise<Output> {
  const sdk = await loadSdk('@aws-sdk/client-ssm');
  const Command = sdk[command]!;
  const client = (await context.client('ssm')) as unknown as {
    send(command: object, options?: { abortSignal?: AbortSignal }): Promise<Output>;
  };
  return client.send(new Command(input), signal === undefined ? {} : { abortSignal: signal });
}

/** Sends `command` (by name) with the context's ECS client. */
export async function sendEcs<Output>(
  context: AwsContext,
  command: string,
  input: object,
  signal?: AbortSignal,
): Promise<Output> {
  const sdk = await loadSdk('@aws-sdk/client-ecs');
  const Command = sdk[command]!;
  const client = (await context.client('ecs')) as unknown as {
    send(command: object, options?: { abortSignal?: AbortSignal }): Promise<Output>;
  };
  return client.send(new Command(input), signal === undefined ? {} : { abortSignal: signal });
}

/** The fields of DescribeSessions output that are used. */
export interface SessionSummary {
  SessionId?: string;
  Target?: string;
  Status?: string;
  StartDate?: Date;
  DocumentName?: string;
  Owner?: string;
  Reason?: string;
}

/** The fields of an ECS task that are used. */
export interface TaskSummary {
  taskArn?: string;
  clusterArn?: string;
  lastStatus?: string;
  desiredStatus?: string;
  startedBy?: string;
  createdAt?: Date;
  tags?: { key?: string; value?: string }[];
}

/** Active Session Manager sessions of `owner` (the caller's ARN). */
export async function listActiveSessions(
  context: AwsContext,
  owner: string,
): Promise<SessionSummary[]> {
  const sessions: SessionSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sendSsm<{ Sessions?: SessionSummary[]; NextToken?: string }>(
      context,
      'DescribeSessionsCommand',
      {
        State: 'Active',
        Filters: [{ key: 'Owner', value: owner }],
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      },
    );
    sessions.push(...(page.Sessions ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return sessions;
}

/** Cluster ARNs. */
export async function listClusterArns(context: AwsContext): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sendEcs<{ clusterArns?: string[]; nextToken?: string }>(
      context,
      'ListClustersCommand',
      nextToken === undefined ? {} : { nextToken },
    );
    arns.push(...(page.clusterArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return arns;
}

/** ssmkit's ephemeral bastions (startedBy `ssmkit`) in `clusters`, with tags. */
export async function listEphemeralTasks(
  context: AwsContext,
  clusters: string[],
  desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
): Promise<TaskSummary[]> {
  const tasks: TaskSummary[] = [];
  for (const cluster of clusters) {
    const list = await sendEcs<{ taskArns?: string[] }>(context, 'ListTasksCommand', {
      cluster,
      startedBy: 'ssmkit',
      desiredStatus,
    });
    const arns = list.taskArns ?? [];
    if (arns.length === 0) continue;
    const described = await sendEcs<{ tasks?: TaskSummary[] }>(context, 'DescribeTasksCommand', {
      cluster,
      tasks: arns,
      include: ['TAGS'],
    });
    tasks.push(...(described.tasks ?? []));
  }
  return tasks;
}

/** A tag value of a task. */
export function taskTag(task: TaskSummary, key: string): string | undefined {
  return task.tags?.find((tag) => tag.key === key)?.value;
}

/** The last path segment of an ARN (`…/task/demo/abc` → `abc`). */
export function lastSegment(arn: string | undefined): string {
  return arn?.split('/').pop() ?? '';
}
