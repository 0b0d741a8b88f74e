/** Fields every {@link TargetProgressEvent} carries. */
export interface ProgressBase {
  /** Milliseconds since the resolution (or the ephemeral task start) began. */
  elapsedMs: number;
}

/**
 * What target resolution is doing, for progress displays. Passed to `onProgress`; purely
 * informational (never carries credentials).
 */
export type TargetProgressEvent =
  /** A lookup is about to be made (`detail` is human readable, e.g. `EC2 instances tagged Name=bastion`). */
  | (ProgressBase & { type: 'lookup'; detail: string })
  /** RunTask is being called for an ephemeral bastion. */
  | (ProgressBase & { type: 'starting-task'; cluster: string; taskDefinition: string })
  /** The ephemeral task exists but is not RUNNING yet (emitted on each status change). */
  | (ProgressBase & { type: 'task-pending'; taskArn: string; lastStatus: string })
  /** The ephemeral task is RUNNING; waiting for its ExecuteCommandAgent. */
  | (ProgressBase & { type: 'task-running'; taskArn: string })
  /** The task runs but the ExecuteCommandAgent is not RUNNING yet. */
  | (ProgressBase & { type: 'agent-pending'; taskArn: string; agentStatus: string })
  /** The ExecuteCommandAgent is RUNNING: the task can be used as a Session Manager target. */
  | (ProgressBase & { type: 'agent-running'; taskArn: string; target: string })
  /** The ephemeral task is being stopped (timeout, abort, `stop()`). */
  | (ProgressBase & { type: 'stopping-task'; taskArn: string; reason: string })
  /** Resolution finished. */
  | (ProgressBase & { type: 'target-resolved'; target: string; description: string });

/** A progress callback. Exceptions thrown by it are ignored (logged). */
export type ProgressListener = (event: TargetProgressEvent) => void;
