import type {
  CapacityProviderStrategyItem,
  LaunchType,
  RunTaskCommandInput,
  Tag,
  Task,
} from '@aws-sdk/client-ecs';
import * as z from 'zod/v4';
import type { AwsContext } from '../aws/aws-context.js';
import { loadSdk } from '../aws/sdk.js';
import { TargetError } from '../errors/target-error.js';
import { callAws, describeErrorForLog, isAbortError } from '../internal/call-aws.js';
import { sleep } from '../clock.js';
import { awsLog } from '../internal/logger.js';
import { parseOptions } from '../internal/parse-options.js';
import { guardSignals, type SignalGuard } from '../internal/signal-guard.js';
import {
  agentStatusOf,
  describeTasks,
  ecsTargetOf,
  listTaskArns,
  pickContainer,
} from './ecs-tasks.js';
import type { ProgressListener, TargetProgressEvent } from './progress.js';
import { nameFromArn } from './target-id.js';

/** Tag keys ssmkit puts on the tasks it starts. `cleanupEphemeralBastions` relies on them. */
export const EphemeralTag = {
  /** Always `true` on ssmkit's ephemeral bastions. */
  EPHEMERAL: 'ssmkit:ephemeral',
  /** ARN of the identity that started the task (STS GetCallerIdentity). */
  OWNER: 'ssmkit:owner',
  /** ISO-8601 time after which `cleanupEphemeralBastions` stops the task. */
  EXPIRES_AT: 'ssmkit:expires-at',
} as const;

/** The `startedBy` value of ssmkit's ephemeral tasks (used by `cleanupEphemeralBastions`). */
export const EPHEMERAL_STARTED_BY = 'ssmkit';

/** What to run as an ephemeral ECS bastion: used in `{ ephemeral: … }` targets. */
export interface EphemeralBastionSpec {
  /** ECS cluster name or ARN. */
  cluster: string;
  /**
   * Service to copy the task definition, network configuration (subnets, security groups),
   * launch type / capacity provider strategy and platform version from. Explicit fields win.
   */
  service?: string;
  /** Task definition (family, family:revision or ARN). Required without `service`. */
  taskDefinition?: string;
  /** Subnets for the task's ENI (awsvpc). Required without `service`. */
  subnets?: string[];
  /** Security groups for the task's ENI. Default: the service's, else the VPC default. */
  securityGroups?: string[];
  /** Give the task a public IP. Default `false` (needs NAT or VPC endpoints for SSM). */
  assignPublicIp?: boolean;
  /** Container to open sessions into. Default: the first with an ExecuteCommandAgent. */
  container?: string;
  /** Override the container's command, e.g. `['sleep', '3600']`. Default: the image's. */
  command?: string[];
  /** Launch type. Default: the service's, else `FARGATE`. */
  launchType?: LaunchType;
  /** Fargate platform version. Default: the service's, else `LATEST`. */
  platformVersion?: string;
  /** Seconds after which `cleanupEphemeralBastions` may stop the task. Default `43_200` (12 h). */
  ttlSeconds?: number;
  /** Extra tags for the task. */
  tags?: Record<string, string>;
  /** How long to wait for the task and its ExecuteCommandAgent, in ms. Default `300_000`. */
  timeoutMs?: number;
  /** DescribeTasks polling interval while waiting, in ms. Default `3_000`. */
  pollIntervalMs?: number;
}

/** Options of {@link startEphemeralBastion}. */
export interface StartEphemeralBastionOptions extends EphemeralBastionSpec {
  /** Progress events: `starting-task`, `task-pending`, `task-running`, `agent-pending`, `agent-running`. */
  onProgress?: ProgressListener;
  /** Aborting stops the task and rejects with `ERR_TARGET_ABORTED`. */
  signal?: AbortSignal;
  /**
   * From RunTask until the task is stopped, listen for SIGINT and SIGTERM: on either, stop the
   * task (aborting the start if it is not ready yet), then — if the application has no listener
   * of its own for that signal — raise the signal again so the process exits as it would have.
   * @default true
   */
  stopOnSignals?: boolean;
}

/** A running ephemeral ECS task usable as a Session Manager target. */
export interface EphemeralBastion {
  /** The Session Manager target: `ecs:<cluster>_<taskId>_<runtimeId>`. */
  readonly target: string;
  readonly taskArn: string;
  readonly taskId: string;
  /** Cluster name. */
  readonly cluster: string;
  /** The container sessions go into. */
  readonly container: string;
  /** When cleanup may stop the task. */
  readonly expiresAt: Date;
  /** Stop the task (idempotent). With `wait`, resolves once DescribeTasks says STOPPED. */
  stop(options?: { reason?: string; wait?: boolean; signal?: AbortSignal }): Promise<void>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Default timings of ephemeral bastions. */
export const ephemeralBastionDefaults = {
  ttlSeconds: 43_200,
  timeoutMs: 300_000,
  pollIntervalMs: 3_000,
} as const;

const tagKey = z.string().min(1).max(128);
/** @internal */
export const ephemeralBastionSpecShape = {
  cluster: z.string().min(1),
  service: z.string().min(1).optional(),
  taskDefinition: z.string().min(1).optional(),
  subnets: z
    .array(z.string().regex(/^subnet-[0-9a-z]+$/, 'expected a subnet id'))
    .min(1)
    .max(16)
    .optional(),
  securityGroups: z
    .array(z.string().regex(/^sg-[0-9a-z]+$/, 'expected a security group id'))
    .max(5)
    .optional(),
  assignPublicIp: z.boolean().optional(),
  container: z.string().min(1).optional(),
  command: z.array(z.string()).min(1).optional(),
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES']).optional(),
  platformVersion: z.string().min(1).optional(),
  ttlSeconds: z
    .int()
    .min(60)
    .max(7 * 86_400)
    .optional(),
  tags: z.record(tagKey, z.string().max(256)).optional(),
  timeoutMs: z.int().min(1).optional(),
  pollIntervalMs: z.int().min(1).optional(),
};

function withSpecRules<Schema extends z.ZodType<EphemeralBastionSpec>>(schema: Schema): Schema {
  return schema
    .refine((spec) => spec.service !== undefined || spec.taskDefinition !== undefined, {
      message: 'pass `service` (to copy its task definition and network) or `taskDefinition`',
    })
    .refine((spec) => spec.service !== undefined || spec.subnets !== undefined, {
      message: 'pass `subnets` when no `service` is given',
    });
}

/** @internal */
export const ephemeralBastionSpecSchema = withSpecRules(
  z.object(ephemeralBastionSpecShape).strict(),
);

const startOptionsSchema = withSpecRules(
  z
    .object({
      ...ephemeralBastionSpecShape,
      onProgress: z.custom<ProgressListener>((value) => typeof value === 'function').optional(),
      signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
      stopOnSignals: z.boolean().optional(),
    })
    .strict(),
);

/** What a tunnel does on SIGINT/SIGTERM before its ephemeral task is stopped (close itself). */
const signalCleanups = new WeakMap<EphemeralBastion, () => Promise<void>>();

/**
 * Run `cleanup` (closing the tunnel that uses the bastion) before the task is stopped when a
 * signal arrives. @internal
 */
export function setSignalCleanup(bastion: EphemeralBastion, cleanup: () => Promise<void>): void {
  signalCleanups.set(bastion, cleanup);
}

/**
 * An ECS tag value: letters, digits, spaces and `_ . : / = + - @`, at most 256 characters.
 * Other characters (a `,` in a role session name, say) become `_`.
 * @internal
 */
export function toEcsTagValue(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** @internal Emit a progress event, never letting a listener break the flow. */
export function emitProgress(
  listener: ProgressListener | undefined,
  event: TargetProgressEvent,
): void {
  if (listener === undefined) return;
  try {
    listener(event);
  } catch (error) {
    awsLog.error('onProgress listener threw: %s', describeErrorForLog(error));
  }
}

/**
 * Start an ephemeral ECS (Fargate by default) task to use as a bastion: RunTask with ECS Exec
 * enabled, no public IP, and the `ssmkit:ephemeral` / `ssmkit:owner` / `ssmkit:expires-at` tags;
 * then wait until the task is RUNNING and its ExecuteCommandAgent is RUNNING.
 *
 * On timeout or abort the task is stopped before the promise rejects. Call `stop()` when done;
 * forgotten tasks are found and stopped by {@link cleanupEphemeralBastions} after `ttlSeconds`.
 *
 * IAM: `ecs:RunTask`, `ecs:DescribeTasks`, `ecs:StopTask`, `ecs:TagResource`,
 * `ecs:DescribeServices` (with `service`), `iam:PassRole` on the task/execution roles,
 * `sts:GetCallerIdentity`.
 *
 * @example
 * ```ts
 * await using bastion = await startEphemeralBastion(aws, { cluster: 'prod', service: 'api' });
 * console.log(bastion.target); // ecs:prod_<taskId>_<runtimeId>
 * ```
 */
export async function startEphemeralBastion(
  context: AwsContext,
  options: StartEphemeralBastionOptions,
): Promise<EphemeralBastion> {
  parseOptions(startOptionsSchema, options, 'startEphemeralBastion');
  if (options.signal?.aborted) {
    throw new TargetError('ERR_TARGET_ABORTED', 'Starting the ephemeral bastion was aborted.', {
      cause: options.signal.reason,
    });
  }
  // Aborted by SIGINT/SIGTERM while the task is starting (stopOnSignals).
  const interrupt = new AbortController();
  const signal =
    options.signal === undefined
      ? interrupt.signal
      : AbortSignal.any([options.signal, interrupt.signal]);
  const state: StartState = { bastion: undefined, stop: undefined, starting: undefined };
  const guard =
    options.stopOnSignals === false
      ? undefined
      : guardSignals(async (received) => {
          if (state.bastion === undefined) {
            // Not ready yet: abort the start, which stops the task once RunTask returned it.
            interrupt.abort(new Error(`received ${received}`));
            await state.starting?.catch(() => undefined);
            return;
          }
          const cleanup = signalCleanups.get(state.bastion);
          if (cleanup !== undefined) await cleanup();
          await state.stop?.(`received ${received}`);
        });
  const starting = startTask(context, options, signal, state, guard);
  state.starting = starting;
  try {
    return await starting;
  } catch (error) {
    guard?.dispose();
    throw error;
  }
}

interface StartState {
  bastion: EphemeralBastion | undefined;
  stop: ((reason: string) => Promise<void>) | undefined;
  starting: Promise<EphemeralBastion> | undefined;
}

async function startTask(
  context: AwsContext,
  options: StartEphemeralBastionOptions,
  signal: AbortSignal,
  state: StartState,
  guard: SignalGuard | undefined,
): Promise<EphemeralBastion> {
  const { clock } = context;
  const { onProgress } = options;
  const startedAt = clock.now();
  const elapsed = (): number => clock.now() - startedAt;
  const timeoutMs = options.timeoutMs ?? ephemeralBastionDefaults.timeoutMs;
  const pollIntervalMs = options.pollIntervalMs ?? ephemeralBastionDefaults.pollIntervalMs;
  const ttlSeconds = options.ttlSeconds ?? ephemeralBastionDefaults.ttlSeconds;
  const throwIfAborted = (): void => {
    if (signal.aborted) {
      throw new TargetError('ERR_TARGET_ABORTED', 'Starting the ephemeral bastion was aborted.', {
        cause: signal.reason,
      });
    }
  };
  throwIfAborted();

  const expiresAt = new Date(clock.now() + ttlSeconds * 1000);
  let input: RunTaskCommandInput;
  try {
    input = await buildRunTaskInput(context, options, expiresAt, signal);
  } catch (error) {
    if (isAbortError(error)) throwIfAborted();
    throw error;
  }
  emitProgress(onProgress, {
    type: 'starting-task',
    elapsedMs: elapsed(),
    cluster: options.cluster,
    taskDefinition: input.taskDefinition ?? '',
  });
  awsLog('RunTask cluster=%s taskDefinition=%s', options.cluster, input.taskDefinition);
  // No abortSignal here: a RunTask cancelled in flight could leave a task we know nothing about.
  // An abort during RunTask is handled by the wait loop below, which stops the task.
  const { RunTaskCommand, StopTaskCommand } = await loadSdk('ecs');
  const ecs = await context.client('ecs');
  const output = await callAws('ecs:RunTask', () => ecs.send(new RunTaskCommand(input)));
  const started = output.tasks?.[0];
  if (started?.taskArn === undefined) {
    const reasons = (output.failures ?? [])
      .map((failure) =>
        `${failure.arn ?? ''} ${failure.reason ?? ''} ${failure.detail ?? ''}`.trim(),
      )
      .join('; ');
    throw new TargetError(
      'ERR_TARGET_TASK_START_FAILED',
      `ECS could not start the ephemeral bastion in cluster ${options.cluster}: ${reasons || 'no task and no failure returned'}.`,
    );
  }
  const taskArn = started.taskArn;
  const cluster = nameFromArn(started.clusterArn ?? options.cluster);
  const taskId = nameFromArn(taskArn);
  awsLog('ephemeral task %s started', taskId);

  let stopping: Promise<void> | undefined;
  const stopTask = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      emitProgress(onProgress, { type: 'stopping-task', elapsedMs: elapsed(), taskArn, reason });
      awsLog('StopTask %s reason=%s', taskId, reason);
      try {
        await callAws('ecs:StopTask', () =>
          ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: `ssmkit: ${reason}` })),
        );
      } finally {
        // Stopped (or StopTask failed for good): signals no longer concern this task.
        guard?.dispose();
      }
    })();
    return stopping;
  };
  state.stop = stopTask;
  const failAndStop = async (error: TargetError): Promise<never> => {
    try {
      await stopTask(error.code === 'ERR_TARGET_ABORTED' ? 'aborted' : 'not ready in time');
    } catch (stopError) {
      awsLog.error(
        'could not stop task %s after failure: %s',
        taskId,
        describeErrorForLog(stopError),
      );
    }
    throw error;
  };

  let lastStatus = started.lastStatus ?? 'PROVISIONING';
  let lastAgentStatus = '';
  let announcedRunning = false;
  emitProgress(onProgress, { type: 'task-pending', elapsedMs: elapsed(), taskArn, lastStatus });
  for (;;) {
    if (signal.aborted) {
      return failAndStop(
        new TargetError(
          'ERR_TARGET_ABORTED',
          `Aborted while waiting for ephemeral bastion ${taskId}; the task was stopped.`,
          {
            cause: signal.reason,
          },
        ),
      );
    }
    let task: Task | undefined;
    try {
      [task] = await describeTasks(context, cluster, [taskArn], { signal });
    } catch (error) {
      if (isAbortError(error)) continue;
      throw error;
    }
    if (task !== undefined) {
      const status = task.lastStatus ?? 'PENDING';
      if (status === 'STOPPED' || status === 'DEPROVISIONING' || status === 'STOPPING') {
        throw describeStoppedTask(task, taskId);
      }
      if (status !== 'RUNNING' && status !== lastStatus) {
        lastStatus = status;
        emitProgress(onProgress, {
          type: 'task-pending',
          elapsedMs: elapsed(),
          taskArn,
          lastStatus,
        });
      }
      if (status === 'RUNNING') {
        if (!announcedRunning) {
          announcedRunning = true;
          emitProgress(onProgress, { type: 'task-running', elapsedMs: elapsed(), taskArn });
        }
        const container = pickContainer(task, options.container);
        if (container === undefined) {
          return failAndStop(
            new TargetError(
              'ERR_TARGET_NOT_FOUND',
              `Ephemeral task ${taskId} has no container named '${options.container ?? ''}'; the task was stopped.`,
            ),
          );
        }
        const agentStatus = agentStatusOf(container);
        const target = ecsTargetOf(task, container);
        if (agentStatus === 'RUNNING' && target !== undefined) {
          emitProgress(onProgress, {
            type: 'agent-running',
            elapsedMs: elapsed(),
            taskArn,
            target,
          });
          awsLog('ephemeral task %s ready as %s after %dms', taskId, target, elapsed());
          const bastion: EphemeralBastion = {
            target,
            taskArn,
            taskId,
            cluster,
            container: container.name ?? '',
            expiresAt,
            async stop(stopOptions = {}) {
              await stopTask(stopOptions.reason ?? 'stopped');
              if (stopOptions.wait)
                await waitForStopped(context, cluster, taskArn, pollIntervalMs, stopOptions.signal);
            },
            async [Symbol.asyncDispose]() {
              await stopTask('stopped');
            },
          };
          state.bastion = bastion;
          return bastion;
        }
        if (agentStatus !== lastAgentStatus) {
          lastAgentStatus = agentStatus;
          emitProgress(onProgress, {
            type: 'agent-pending',
            elapsedMs: elapsed(),
            taskArn,
            agentStatus,
          });
        }
      }
    }
    const remaining = startedAt + timeoutMs - clock.now();
    if (remaining <= 0) {
      return failAndStop(
        new TargetError(
          'ERR_TARGET_TIMEOUT',
          `Ephemeral bastion ${taskId} was not ready after ${timeoutMs} ms (task ${lastStatus}${announcedRunning ? `, ExecuteCommandAgent ${lastAgentStatus || 'NONE'}` : ''}); the task was stopped. Raise \`timeoutMs\`, or check the subnets' route to ECR and the ssmmessages endpoint.`,
        ),
      );
    }
    try {
      await sleep(clock, Math.min(pollIntervalMs, remaining), signal);
    } catch {
      // aborted: handled at the top of the loop
    }
  }
}

function describeStoppedTask(task: Task, taskId: string): TargetError {
  const containerReasons = (task.containers ?? [])
    .filter((container) => container.reason !== undefined || container.exitCode !== undefined)
    .map(
      (container) =>
        `${container.name ?? '?'}: ${container.reason ?? `exit code ${container.exitCode}`}`,
    );
  return new TargetError(
    'ERR_TARGET_TASK_STOPPED',
    `Ephemeral bastion ${taskId} stopped before it was ready: ${task.stoppedReason ?? task.stopCode ?? 'no reason given'}${containerReasons.length > 0 ? ` (${containerReasons.join('; ')})` : ''}.`,
  );
}

async function waitForStopped(
  context: AwsContext,
  cluster: string,
  taskArn: string,
  pollIntervalMs: number,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    const [task] = await describeTasks(context, cluster, [taskArn], { signal });
    if (task === undefined || task.lastStatus === 'STOPPED') return;
    await sleep(context.clock, pollIntervalMs, signal);
  }
}

async function buildRunTaskInput(
  context: AwsContext,
  options: EphemeralBastionSpec,
  expiresAt: Date,
  signal: AbortSignal | undefined,
): Promise<RunTaskCommandInput> {
  let taskDefinition = options.taskDefinition;
  let subnets = options.subnets;
  let securityGroups = options.securityGroups;
  let launchType = options.launchType;
  let capacityProviderStrategy: CapacityProviderStrategyItem[] | undefined;
  let platformVersion = options.platformVersion;
  if (options.service !== undefined) {
    const { DescribeServicesCommand } = await loadSdk('ecs');
    const ecs = await context.client('ecs');
    const output = await callAws('ecs:DescribeServices', () =>
      ecs.send(
        new DescribeServicesCommand({
          cluster: options.cluster,
          services: [options.service ?? ''],
        }),
        {
          abortSignal: signal,
        },
      ),
    );
    const service = output.services?.find((candidate) => candidate.status !== 'INACTIVE');
    if (service === undefined) {
      throw new TargetError(
        'ERR_TARGET_NOT_FOUND',
        `ECS service ${options.service} not found in cluster ${options.cluster} (region ${context.region}).`,
        { tried: [`ECS: DescribeServices ${options.service} in ${options.cluster}`] },
      );
    }
    const network = service.networkConfiguration?.awsvpcConfiguration;
    taskDefinition ??= service.taskDefinition;
    subnets ??= network?.subnets;
    securityGroups ??= network?.securityGroups;
    if (launchType === undefined) {
      if (
        service.capacityProviderStrategy !== undefined &&
        service.capacityProviderStrategy.length > 0
      ) {
        capacityProviderStrategy = service.capacityProviderStrategy;
      } else {
        launchType = service.launchType;
      }
    }
    platformVersion ??= service.platformVersion;
    if (subnets === undefined || subnets.length === 0) {
      throw new TargetError(
        'ERR_TARGET_INVALID',
        `ECS service ${options.service} has no awsvpc network configuration to copy; pass \`subnets\` (and \`securityGroups\`).`,
      );
    }
  }
  if (capacityProviderStrategy === undefined) launchType ??= 'FARGATE';

  const identity = await context.callerIdentity();
  const tags: Tag[] = [
    { key: EphemeralTag.EPHEMERAL, value: 'true' },
    { key: EphemeralTag.OWNER, value: toEcsTagValue(identity.arn) },
    { key: EphemeralTag.EXPIRES_AT, value: expiresAt.toISOString() },
    ...Object.entries(options.tags ?? {}).map(([key, value]) => ({
      key,
      value: toEcsTagValue(value),
    })),
  ];
  return {
    cluster: options.cluster,
    taskDefinition,
    count: 1,
    enableExecuteCommand: true,
    startedBy: EPHEMERAL_STARTED_BY,
    ...(launchType === undefined ? {} : { launchType }),
    ...(capacityProviderStrategy === undefined ? {} : { capacityProviderStrategy }),
    ...(platformVersion === undefined ? {} : { platformVersion }),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets,
        ...(securityGroups === undefined ? {} : { securityGroups }),
        assignPublicIp: options.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    tags,
    enableECSManagedTags: true,
    ...(options.command === undefined
      ? {}
      : {
          overrides: {
            containerOverrides: [{ name: options.container, command: options.command }],
          },
        }),
  };
}

/** Options of {@link cleanupEphemeralBastions}. */
export interface CleanupEphemeralBastionsOptions {
  /** Clusters to search (names or ARNs). Default: every cluster (ListClusters). */
  clusters?: string[];
  /** "Now" for the expiry comparison, in ms since the epoch. Default: the context's clock. */
  now?: number;
  /** Only stop tasks whose `ssmkit:owner` is the caller. Default `false`. */
  ownOnly?: boolean;
  /** Report what would be stopped without stopping anything. Default `false`. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

const cleanupOptionsSchema = z
  .object({
    clusters: z.array(z.string().min(1)).optional(),
    now: z.number().optional(),
    ownOnly: z.boolean().optional(),
    dryRun: z.boolean().optional(),
    signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
  })
  .strict();

/**
 * Find ssmkit's ephemeral bastions (tasks started by `ssmkit` and tagged `ssmkit:ephemeral=true`)
 * whose `ssmkit:expires-at` has passed, stop them, and return their task ARNs.
 *
 * IAM: `ecs:ListClusters` (without `clusters`), `ecs:ListTasks`, `ecs:DescribeTasks`,
 * `ecs:StopTask`.
 *
 * @example
 * ```ts
 * const stopped = await cleanupEphemeralBastions(aws, { clusters: ['prod'] });
 * ```
 */
export async function cleanupEphemeralBastions(
  context: AwsContext,
  options: CleanupEphemeralBastionsOptions = {},
): Promise<string[]> {
  parseOptions(cleanupOptionsSchema, options, 'cleanupEphemeralBastions');
  const now = options.now ?? context.clock.now();
  const { signal } = options;
  const clusters = options.clusters ?? (await listClusters(context, signal));
  const owner = options.ownOnly ? toEcsTagValue((await context.callerIdentity()).arn) : undefined;
  const stopped: string[] = [];
  const { StopTaskCommand } = await loadSdk('ecs');
  for (const cluster of clusters) {
    const arns = await listTaskArns(context, { cluster, startedBy: EPHEMERAL_STARTED_BY }, signal);
    if (arns.length === 0) continue;
    const tasks = await describeTasks(context, cluster, arns, { signal, includeTags: true });
    for (const task of tasks) {
      const tags = Object.fromEntries(
        (task.tags ?? []).map((tag) => [tag.key ?? '', tag.value ?? '']),
      );
      if (tags[EphemeralTag.EPHEMERAL] !== 'true' || task.taskArn === undefined) continue;
      if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') continue;
      if (owner !== undefined && tags[EphemeralTag.OWNER] !== owner) continue;
      const expiresAt = Date.parse(tags[EphemeralTag.EXPIRES_AT] ?? '');
      if (Number.isNaN(expiresAt)) {
        awsLog(
          'task %s has no valid %s tag; treating it as expired',
          task.taskArn,
          EphemeralTag.EXPIRES_AT,
        );
      } else if (expiresAt > now) {
        continue;
      }
      if (!options.dryRun) {
        const taskArn = task.taskArn;
        awsLog('cleanup: stopping expired task %s', taskArn);
        const ecs = await context.client('ecs');
        await callAws('ecs:StopTask', () =>
          ecs.send(
            new StopTaskCommand({
              cluster,
              task: taskArn,
              reason: 'ssmkit cleanup: ephemeral bastion expired',
            }),
            { abortSignal: signal },
          ),
        );
      }
      stopped.push(task.taskArn);
    }
  }
  return stopped;
}

/** ListClusters with pagination. @internal */
export async function listClusters(context: AwsContext, signal?: AbortSignal): Promise<string[]> {
  const { ListClustersCommand } = await loadSdk('ecs');
  const ecs = await context.client('ecs');
  const clusters: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 50; page++) {
    const output = await callAws('ecs:ListClusters', () =>
      ecs.send(new ListClustersCommand({ nextToken }), { abortSignal: signal }),
    );
    clusters.push(...(output.clusterArns ?? []));
    nextToken = output.nextToken;
    if (!nextToken) break;
  }
  return clusters;
}
