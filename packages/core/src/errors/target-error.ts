import { SsmError, type SsmErrorOptions } from '@ssmkit/protocol';

/** Every code a {@link TargetError} can carry. Documented in the package README. */
export const TargetErrorCode = {
  /** Nothing matched the target specification; `tried` lists every lookup that was made. */
  NOT_FOUND: 'ERR_TARGET_NOT_FOUND',
  /** Several targets matched and the specification asked for exactly one; `candidates` lists them. */
  AMBIGUOUS: 'ERR_TARGET_AMBIGUOUS',
  /** The target exists but its SSM agent is not online (or, for ECS, the ExecuteCommandAgent is not running). */
  OFFLINE: 'ERR_TARGET_OFFLINE',
  /** The target string or the SSM parameter value is not a valid Session Manager target. */
  INVALID: 'ERR_TARGET_INVALID',
  /** The ECS task or service does not have ECS Exec (`enableExecuteCommand`) enabled. */
  EXEC_DISABLED: 'ERR_TARGET_EXEC_DISABLED',
  /** The ephemeral bastion task stopped before it became ready (see `stoppedReason`). */
  TASK_STOPPED: 'ERR_TARGET_TASK_STOPPED',
  /** ECS refused to place the ephemeral task (RunTask failures: capacity, subnets, …). */
  TASK_START_FAILED: 'ERR_TARGET_TASK_START_FAILED',
  /** The ephemeral bastion did not become ready within `timeoutMs`; the task was stopped. */
  TIMEOUT: 'ERR_TARGET_TIMEOUT',
  /** The AbortSignal fired while resolving; an ephemeral task that was being started was stopped. */
  ABORTED: 'ERR_TARGET_ABORTED',
} as const;

export type TargetErrorCode = (typeof TargetErrorCode)[keyof typeof TargetErrorCode];

/** Options of {@link TargetError}. */
export interface TargetErrorOptions extends SsmErrorOptions {
  /** Human-readable list of the lookups made, in order. */
  tried?: string[];
  /** The matching targets, for `ERR_TARGET_AMBIGUOUS`. */
  candidates?: string[];
}

/** A Session Manager target (bastion) could not be resolved or made ready. */
export class TargetError extends SsmError {
  override readonly code: TargetErrorCode;
  /** Every lookup that was made, in order, e.g. `EC2: 2 running instances in vpc-1, none online`. */
  readonly tried: string[];
  /** The candidates when several matched. */
  readonly candidates: string[];

  constructor(code: TargetErrorCode, message: string, options: TargetErrorOptions = {}) {
    super(code, message, options);
    this.name = 'TargetError';
    this.code = code;
    this.tried = options.tried ?? [];
    this.candidates = options.candidates ?? [];
  }

  /** True for a {@link TargetError}, even from another copy of the package (where `instanceof` fails). */
  static override isInstance(error: unknown): error is TargetError {
    return SsmError.isInstance(error) && error.name === 'TargetError';
  }
}
