import { TargetError } from '../errors/target-error.js';

/** The kind of Session Manager target a target string names. */
export type TargetKind = 'ec2-instance' | 'managed-instance' | 'ecs-task';

/** The parts of an `ecs:<cluster>_<taskId>_<runtimeId>` target. */
export interface EcsTargetParts {
  cluster: string;
  taskId: string;
  runtimeId: string;
}

const EC2_INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
const MANAGED_INSTANCE_ID = /^mi-[0-9a-f]{17}$/;
const ECS_TARGET = /^ecs:([A-Za-z0-9_-]{1,255})_([A-Za-z0-9-]{1,64})_([A-Za-z0-9-]{1,128})$/;

/**
 * Classify a Session Manager target string, or return `undefined` if it is none of
 * `i-…`, `mi-…` or `ecs:<cluster>_<taskId>_<runtimeId>`.
 *
 * @example
 * ```ts
 * targetKindOf('i-0123456789abcdef0'); // 'ec2-instance'
 * ```
 */
export function targetKindOf(target: string): TargetKind | undefined {
  if (EC2_INSTANCE_ID.test(target)) return 'ec2-instance';
  if (MANAGED_INSTANCE_ID.test(target)) return 'managed-instance';
  if (ECS_TARGET.test(target)) return 'ecs-task';
  return undefined;
}

/** Build the Session Manager target of an ECS container: `ecs:<cluster>_<taskId>_<runtimeId>`. */
export function formatEcsTarget(parts: EcsTargetParts): string {
  return `ecs:${parts.cluster}_${parts.taskId}_${parts.runtimeId}`;
}

/**
 * Split an `ecs:` target into cluster, task id and runtime id. The cluster name may contain
 * underscores; task and runtime ids never do.
 *
 * @throws {@link TargetError} `ERR_TARGET_INVALID` when `target` is not an `ecs:` target.
 */
export function parseEcsTarget(target: string): EcsTargetParts {
  const match = ECS_TARGET.exec(target);
  if (match === null) {
    throw new TargetError(
      'ERR_TARGET_INVALID',
      `'${target}' is not an ECS target; expected ecs:<cluster>_<taskId>_<runtimeId>.`,
    );
  }
  return { cluster: match[1] ?? '', taskId: match[2] ?? '', runtimeId: match[3] ?? '' };
}

/** The last path segment of an ARN (`arn:…:cluster/demo` → `demo`), or the input if it has none. */
export function nameFromArn(arnOrName: string): string {
  const slash = arnOrName.lastIndexOf('/');
  return arnOrName.startsWith('arn:') && slash >= 0 ? arnOrName.slice(slash + 1) : arnOrName;
}
