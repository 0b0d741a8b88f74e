import { GetParameterCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod/v4';
import type { AwsContext } from '../aws/aws-context.js';
import { AwsError } from '../errors/aws-error.js';
import { ConfigError } from '../errors/config-error.js';
import { TargetError } from '../errors/target-error.js';
import { callAws, isAbortError } from '../internal/call-aws.js';
import { awsLog } from '../internal/logger.js';
import { parseOptions } from '../internal/parse-options.js';
import { discoverAutoTarget, type AutoTargetSpec } from './auto-target.js';
import {
  describeCandidate,
  describeInstanceInformation,
  findInstanceCandidates,
} from './ec2-instances.js';
import { findEcsTaskTarget } from './ecs-tasks.js';
import {
  emitProgress,
  ephemeralBastionSpecSchema,
  ephemeralBastionSpecShape,
  startEphemeralBastion,
  type EphemeralBastion,
  type EphemeralBastionSpec,
} from './ephemeral-bastion.js';
import type { ProgressListener } from './progress.js';
import { targetKindOf, type TargetKind } from './target-id.js';

/**
 * What to open sessions into. One of:
 * - a target string: `i-…` (EC2), `mi-…` (hybrid managed instance), `ecs:<cluster>_<taskId>_<runtimeId>`;
 * - `{ tag: { Name: 'bastion' } }` / `{ name: 'bastion' }`: the one SSM-online running EC2 instance with these tags (`*` wildcards allowed);
 * - `{ parameter: '/prod/bastion-id' }`: an SSM parameter holding a target string;
 * - `{ ecs: { cluster, service } }` (or `task`): a running ECS task with ECS Exec;
 * - `{ ephemeral: { cluster, service } }`: a new ECS task started for this session (stopped afterwards);
 * - `{ auto: { host } }`: found from the destination (RDS host → VPC → bastion).
 */
export type TargetSpec =
  | string
  | {
      tag: Record<string, string>;
      /** Several online matches: `error` (default) or take the `first` by instance id. */
      multiple?: 'error' | 'first';
    }
  | { name: string; multiple?: 'error' | 'first' }
  | { parameter: string }
  | { ecs: { cluster: string; service?: string; task?: string; container?: string } }
  | { ephemeral: EphemeralBastionSpec }
  | { auto: AutoTargetSpec };

/** How the target was found. */
export type TargetSource = 'explicit' | 'tag' | 'parameter' | 'ecs-service' | 'ephemeral' | 'auto';

/** A resolved Session Manager target. */
export interface ResolvedTarget {
  /** The StartSession `Target`: `i-…`, `mi-…` or `ecs:…`. */
  target: string;
  kind: TargetKind;
  source: TargetSource;
  /** One line for logs and progress displays, e.g. `EC2 i-0123 (Name=bastion, Online)`. */
  description: string;
  /** The ephemeral task, when one was started: stop it when the session ends. */
  ephemeral?: EphemeralBastion;
  /** SSM agent version, when known (EC2/managed instances): decides smux vs basic port forwarding. */
  agentVersion?: string;
  /** The lookups made, in order (automatic discovery). */
  tried: string[];
}

/** Options of {@link resolveTarget}. */
export interface ResolveTargetOptions {
  /** Progress events (lookups, ephemeral task states). */
  onProgress?: ProgressListener;
  /** Abort the resolution; an ephemeral task being started is stopped. */
  signal?: AbortSignal;
  /**
   * Check explicit `i-`/`mi-` ids with DescribeInstanceInformation (fails fast with
   * `ERR_TARGET_OFFLINE`). Skipped silently when the caller may not call it. Default `true`.
   */
  verify?: boolean;
  /**
   * Stop an ephemeral task started here on SIGINT/SIGTERM, then let the signal end the process
   * unless the application listens for it (`startEphemeralBastion`'s `stopOnSignals`).
   * @default true
   */
  stopOnSignals?: boolean;
}

const tagsSchema = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((tags) => Object.keys(tags).length > 0, 'expected at least one tag');
const multipleSchema = z.enum(['error', 'first']).optional();

/** One schema per target form, keyed by the property that selects the form. */
const targetSpecSchemas = {
  tag: z.object({ tag: tagsSchema, multiple: multipleSchema }).strict(),
  name: z.object({ name: z.string().min(1).max(256), multiple: multipleSchema }).strict(),
  parameter: z
    .object({
      parameter: z
        .string()
        .regex(
          /^(\/?[\w.\-/]+|arn:aws[a-z-]*:ssm:.+)$/,
          'expected a parameter name such as `/prod/bastion-id`',
        ),
    })
    .strict(),
  ecs: z
    .object({
      ecs: z
        .object({
          cluster: z.string().min(1),
          service: z.string().min(1).optional(),
          task: z.string().min(1).optional(),
          container: z.string().min(1).optional(),
        })
        .strict()
        .refine(
          (ecs) => ecs.service !== undefined || ecs.task !== undefined,
          'pass `service` or `task`',
        ),
    })
    .strict(),
  ephemeral: z.object({ ephemeral: ephemeralBastionSpecSchema }).strict(),
  auto: z
    .object({
      auto: z
        .object({
          host: z.string().min(1),
          port: z.int().min(1).max(65_535).optional(),
          vpcId: z
            .string()
            .regex(/^vpc-[0-9a-z]+$/, 'expected a VPC id')
            .optional(),
          ephemeral: z
            .union([z.boolean(), z.object(ephemeralBastionSpecShape).partial().strict()])
            .optional(),
        })
        .strict(),
    })
    .strict(),
} as const;

/** Validate a spec against the schema of its form, so errors name the offending field. */
function validateTargetSpec(spec: unknown): void {
  if (typeof spec === 'string') {
    parseOptions(z.string().min(1, 'expected a non-empty target'), spec, 'resolveTarget');
    return;
  }
  const form =
    typeof spec === 'object' && spec !== null
      ? (Object.keys(targetSpecSchemas) as (keyof typeof targetSpecSchemas)[]).find(
          (key) => key in spec,
        )
      : undefined;
  if (form === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID_OPTION',
      "Invalid target for resolveTarget(): expected 'i-…', 'mi-…', 'ecs:…', { tag }, { name }, { parameter }, { ecs }, { ephemeral } or { auto }.",
      { options: ['target'] },
    );
  }
  parseOptions(targetSpecSchemas[form], spec, 'resolveTarget');
}

const resolveOptionsSchema = z
  .object({
    onProgress: z.custom<ProgressListener>((value) => typeof value === 'function').optional(),
    signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
    verify: z.boolean().optional(),
    stopOnSignals: z.boolean().optional(),
  })
  .strict();

/**
 * Resolve a {@link TargetSpec} to a Session Manager target.
 *
 * @throws {@link TargetError} `ERR_TARGET_NOT_FOUND`, `ERR_TARGET_AMBIGUOUS`, `ERR_TARGET_OFFLINE`,
 * `ERR_TARGET_INVALID`, `ERR_TARGET_EXEC_DISABLED`, and the ephemeral-task codes; {@link AwsError}
 * for AWS failures (`ERR_AWS_ACCESS_DENIED` names the missing permission).
 *
 * @example
 * ```ts
 * const { target, ephemeral } = await resolveTarget(aws, { tag: { Name: 'bastion' } });
 * ```
 */
export async function resolveTarget(
  context: AwsContext,
  spec: TargetSpec,
  options: ResolveTargetOptions = {},
): Promise<ResolvedTarget> {
  validateTargetSpec(spec);
  parseOptions(resolveOptionsSchema, options, 'resolveTarget');
  const startedAt = context.clock.now();
  const elapsed = (): number => context.clock.now() - startedAt;
  const { signal, onProgress, stopOnSignals } = options;
  const verify = options.verify ?? true;
  if (signal?.aborted) {
    throw new TargetError('ERR_TARGET_ABORTED', 'Target resolution was aborted.', {
      cause: signal.reason,
    });
  }
  let resolved: ResolvedTarget;
  try {
    resolved = await resolveSpec(context, spec, {
      signal,
      onProgress,
      verify,
      elapsed,
      stopOnSignals,
    });
  } catch (error) {
    if (isAbortError(error) && signal?.aborted) {
      throw new TargetError('ERR_TARGET_ABORTED', 'Target resolution was aborted.', {
        cause: signal.reason,
      });
    }
    throw error;
  }
  emitProgress(onProgress, {
    type: 'target-resolved',
    elapsedMs: elapsed(),
    target: resolved.target,
    description: resolved.description,
  });
  awsLog('target resolved: %s (%s)', resolved.target, resolved.description);
  return resolved;
}

interface Internals {
  signal: AbortSignal | undefined;
  onProgress: ProgressListener | undefined;
  verify: boolean;
  elapsed: () => number;
  stopOnSignals: boolean | undefined;
}

async function resolveSpec(
  context: AwsContext,
  spec: TargetSpec,
  internals: Internals,
): Promise<ResolvedTarget> {
  if (typeof spec === 'string') return resolveExplicit(context, spec, 'explicit', internals);
  if ('tag' in spec) return resolveByTags(context, spec.tag, spec.multiple ?? 'error', internals);
  if ('name' in spec)
    return resolveByTags(context, { Name: spec.name }, spec.multiple ?? 'error', internals);
  if ('parameter' in spec) return resolveParameter(context, spec.parameter, internals);
  if ('ecs' in spec) {
    emitProgress(internals.onProgress, {
      type: 'lookup',
      elapsedMs: internals.elapsed(),
      detail: `ECS tasks of ${spec.ecs.service ?? spec.ecs.task ?? ''} in cluster ${spec.ecs.cluster}`,
    });
    const found = await findEcsTaskTarget(context, spec.ecs, internals.signal);
    return {
      target: found.target,
      kind: 'ecs-task',
      source: 'ecs-service',
      description: `ECS task ${found.target} (container ${found.container.name ?? '?'})`,
      tried: [],
    };
  }
  if ('ephemeral' in spec)
    return resolveEphemeral(context, spec.ephemeral, 'ephemeral', [], internals);
  return resolveAuto(context, spec.auto, internals);
}

async function resolveExplicit(
  context: AwsContext,
  target: string,
  source: TargetSource,
  internals: Internals,
): Promise<ResolvedTarget> {
  const kind = targetKindOf(target);
  if (kind === undefined) {
    throw new TargetError(
      'ERR_TARGET_INVALID',
      `'${target}' is not a Session Manager target. Expected an EC2 instance id (i-…), a managed instance id (mi-…) or ecs:<cluster>_<taskId>_<runtimeId>.`,
    );
  }
  if (kind === 'ecs-task' || !internals.verify) {
    return {
      target,
      kind,
      source,
      description: `${kind === 'ecs-task' ? 'ECS task' : 'instance'} ${target}`,
      tried: [],
    };
  }
  emitProgress(internals.onProgress, {
    type: 'lookup',
    elapsedMs: internals.elapsed(),
    detail: `SSM registration of ${target}`,
  });
  let information;
  try {
    information = await describeInstanceInformation(context, [target], internals.signal);
  } catch (error) {
    if (AwsError.isInstance(error) && error.code === 'ERR_AWS_ACCESS_DENIED') {
      awsLog('no ssm:DescribeInstanceInformation permission; not verifying %s', target);
      return { target, kind, source, description: `instance ${target} (not verified)`, tried: [] };
    }
    throw error;
  }
  const info = information.get(target);
  if (info === undefined) {
    throw new TargetError(
      'ERR_TARGET_OFFLINE',
      `${target} is not registered with Session Manager in ${context.region}. Check the region, that the SSM agent runs, and that the instance profile has AmazonSSMManagedInstanceCore.`,
      { tried: [`SSM: DescribeInstanceInformation ${target}: not registered`] },
    );
  }
  if (info.PingStatus !== 'Online') {
    throw new TargetError(
      'ERR_TARGET_OFFLINE',
      `${target} is registered with Session Manager but its agent is ${info.PingStatus ?? 'not online'} (last ping ${info.LastPingDateTime?.toISOString() ?? 'unknown'}). Start the instance or check its route to the ssm/ssmmessages endpoints.`,
      { tried: [`SSM: ${target} ${info.PingStatus ?? 'unknown'}`] },
    );
  }
  return {
    target,
    kind,
    source,
    description: `${kind === 'ec2-instance' ? 'EC2' : 'managed instance'} ${target} (${info.ComputerName ?? info.PlatformName ?? 'Online'})`,
    ...(info.AgentVersion === undefined ? {} : { agentVersion: info.AgentVersion }),
    tried: [],
  };
}

async function resolveByTags(
  context: AwsContext,
  tags: Record<string, string>,
  multiple: 'error' | 'first',
  internals: Internals,
): Promise<ResolvedTarget> {
  const described = Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  emitProgress(internals.onProgress, {
    type: 'lookup',
    elapsedMs: internals.elapsed(),
    detail: `EC2 instances tagged ${described}`,
  });
  const candidates = await findInstanceCandidates(context, { tags }, internals.signal);
  const online = candidates.filter((candidate) => candidate.pingStatus === 'Online');
  const tried = [
    `EC2: ${candidates.length} running instance(s) tagged ${described}${candidates.length > 0 ? `: ${candidates.map(describeCandidate).join(', ')}` : ''}`,
  ];
  if (candidates.length === 0) {
    throw new TargetError(
      'ERR_TARGET_NOT_FOUND',
      `No running EC2 instance is tagged ${described} in ${context.region}. Check the tag, the region, and that the instance is running.`,
      { tried },
    );
  }
  if (online.length === 0) {
    throw new TargetError(
      'ERR_TARGET_OFFLINE',
      `${candidates.length} running EC2 instance(s) tagged ${described}, but none is online in Session Manager: ${candidates.map(describeCandidate).join(', ')}. Check the SSM agent, the instance profile (AmazonSSMManagedInstanceCore) and the route to the ssm/ssmmessages endpoints.`,
      { tried, candidates: candidates.map((candidate) => candidate.instanceId) },
    );
  }
  if (online.length > 1 && multiple === 'error') {
    throw new TargetError(
      'ERR_TARGET_AMBIGUOUS',
      `${online.length} online EC2 instances are tagged ${described}: ${online.map(describeCandidate).join(', ')}. Add a tag to narrow it down, pass an instance id, or pass \`multiple: 'first'\`.`,
      { tried, candidates: online.map((candidate) => candidate.instanceId) },
    );
  }
  const chosen = online[0] as (typeof online)[number];
  return {
    target: chosen.instanceId,
    kind: 'ec2-instance',
    source: 'tag',
    description: `EC2 ${describeCandidate(chosen)}`,
    ...(chosen.agentVersion === undefined ? {} : { agentVersion: chosen.agentVersion }),
    tried,
  };
}

async function resolveParameter(
  context: AwsContext,
  name: string,
  internals: Internals,
): Promise<ResolvedTarget> {
  emitProgress(internals.onProgress, {
    type: 'lookup',
    elapsedMs: internals.elapsed(),
    detail: `SSM parameter ${name}`,
  });
  let value: string | undefined;
  try {
    const output = await callAws('ssm:GetParameter', () =>
      context.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
        abortSignal: internals.signal,
      }),
    );
    value = output.Parameter?.Value?.trim();
  } catch (error) {
    if (AwsError.isInstance(error) && error.awsErrorName === 'ParameterNotFound') {
      throw new TargetError(
        'ERR_TARGET_NOT_FOUND',
        `SSM parameter ${name} does not exist in ${context.region}. Check the name and the region.`,
        { tried: [`SSM: GetParameter ${name}: not found`], cause: error },
      );
    }
    throw error;
  }
  if (value === undefined || targetKindOf(value) === undefined) {
    throw new TargetError(
      'ERR_TARGET_INVALID',
      `SSM parameter ${name} does not hold a Session Manager target (expected i-…, mi-… or ecs:<cluster>_<taskId>_<runtimeId>).`,
      { tried: [`SSM: GetParameter ${name}`] },
    );
  }
  const resolved = await resolveExplicit(context, value, 'parameter', internals);
  return {
    ...resolved,
    description: `${resolved.description} from parameter ${name}`,
    tried: [`SSM: parameter ${name} = ${value}`],
  };
}

async function resolveEphemeral(
  context: AwsContext,
  spec: EphemeralBastionSpec,
  source: TargetSource,
  tried: string[],
  internals: Internals,
): Promise<ResolvedTarget> {
  try {
    const bastion = await startEphemeralBastion(context, {
      ...spec,
      ...(internals.signal ? { signal: internals.signal } : {}),
      ...(internals.onProgress ? { onProgress: internals.onProgress } : {}),
      ...(internals.stopOnSignals === undefined ? {} : { stopOnSignals: internals.stopOnSignals }),
    });
    return {
      target: bastion.target,
      kind: 'ecs-task',
      source,
      description: `ephemeral ECS task ${bastion.taskId} (cluster ${bastion.cluster}, container ${bastion.container})`,
      ephemeral: bastion,
      tried,
    };
  } catch (error) {
    if (TargetError.isInstance(error) && tried.length > 0) {
      error.tried.unshift(...tried);
    }
    throw error;
  }
}

async function resolveAuto(
  context: AwsContext,
  spec: AutoTargetSpec,
  internals: Internals,
): Promise<ResolvedTarget> {
  const found = await discoverAutoTarget(context, spec, internals);
  if (found.kind === 'instance') {
    return {
      target: found.instanceId,
      kind: 'ec2-instance',
      source: 'auto',
      description: found.description,
      ...(found.agentVersion === undefined ? {} : { agentVersion: found.agentVersion }),
      tried: found.tried,
    };
  }
  const overrides = typeof spec.ephemeral === 'object' ? spec.ephemeral : {};
  return resolveEphemeral(
    context,
    { ...overrides, cluster: found.cluster, service: found.service },
    'auto',
    found.tried,
    internals,
  );
}
