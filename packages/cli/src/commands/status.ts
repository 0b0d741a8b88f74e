import { defineCommand } from 'citty';
import { EphemeralTag, type AwsContext } from '@ssmkit/core';
import { createCliContext } from '../internal/aws.js';
import { useRuntime } from '../internal/cli-runtime.js';
import { awsArgs, outputArgs } from '../internal/global-args.js';
import {
  lastSegment,
  listActiveSessions,
  listClusterArns,
  listEphemeralTasks,
  taskTag,
} from '../internal/sdk.js';

/** `--cluster` for commands that look at ECS. */
export const clusterArgs = {
  cluster: {
    type: 'string',
    description: 'ECS clusters to look in, comma-separated (default: all)',
  },
} as const;

/** Clusters from `--cluster`, else every cluster. */
export async function clustersFor(
  context: AwsContext,
  flag: string | undefined,
): Promise<string[]> {
  if (flag !== undefined)
    return flag
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
  return listClusterArns(context);
}

/** `ssm-tunnel status`: your active sessions and ephemeral bastions. */
export const statusCommand = defineCommand({
  meta: { name: 'status', description: 'Show your active sessions and ephemeral bastions' },
  args: { ...clusterArgs, ...awsArgs, ...outputArgs },
  async run({ args }) {
    const runtime = useRuntime(args);
    const { output, prompter } = runtime;
    const context = await createCliContext(args, prompter, runtime.env);
    try {
      output.step('Looking up sessions and tasks…');
      const identity = await context.callerIdentity();
      const sessions = await listActiveSessions(context, identity.arn);
      const tasks = await listEphemeralTasks(context, await clustersFor(context, args.cluster));
      output.stopSpinner();
      output.info(`${identity.arn} in ${context.region}`);
      output.result(`Sessions (${sessions.length}):`);
      for (const session of sessions) {
        output.event({
          type: 'session',
          sessionId: session.SessionId,
          target: session.Target,
          status: session.Status,
          document: session.DocumentName,
          startDate: session.StartDate?.toISOString(),
          reason: session.Reason,
        });
        output.result(
          `  ${session.SessionId ?? '?'}  ${session.Target ?? '?'}  ${session.DocumentName ?? ''}  since ${session.StartDate?.toISOString() ?? '?'}${session.Reason === undefined ? '' : `  "${session.Reason}"`}`,
        );
      }
      output.result(`Ephemeral bastions (${tasks.length}):`);
      const now = Date.now();
      for (const task of tasks) {
        const expiresAt = taskTag(task, EphemeralTag.EXPIRES_AT);
        const expired = expiresAt !== undefined && Date.parse(expiresAt) < now;
        output.event({
          type: 'ephemeral-task',
          taskArn: task.taskArn,
          cluster: lastSegment(task.clusterArn),
          status: task.lastStatus,
          owner: taskTag(task, EphemeralTag.OWNER),
          expiresAt,
          expired,
        });
        output.result(
          `  ${lastSegment(task.taskArn)}  ${lastSegment(task.clusterArn)}  ${task.lastStatus ?? '?'}  owner ${taskTag(task, EphemeralTag.OWNER) ?? '?'}  expires ${expiresAt ?? '?'}${expired ? ' (expired: ssm-tunnel cleanup)' : ''}`,
        );
      }
    } finally {
      output.stopSpinner();
      context.destroy();
    }
  },
});
