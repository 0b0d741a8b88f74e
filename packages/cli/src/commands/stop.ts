import { defineCommand } from 'citty';
import { terminateSession, type AwsContext } from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';
import { createCliContext } from '../internal/aws.js';
import { useRuntime } from '../internal/cli-runtime.js';
import { awsArgs, outputArgs } from '../internal/global-args.js';
import { lastSegment, listActiveSessions, listEphemeralTasks, sendEcs } from '../internal/sdk.js';
import { clusterArgs, clustersFor } from './status.js';

interface Stoppable {
  kind: 'session' | 'task';
  id: string;
  cluster?: string;
  label: string;
}

async function stopOne(context: AwsContext, item: Stoppable): Promise<void> {
  if (item.kind === 'session') {
    await terminateSession(context, item.id);
    return;
  }
  await sendEcs(context, 'StopTaskCommand', {
    cluster: item.cluster,
    task: item.id,
    reason: 'ssm-tunnel stop',
  });
}

/** `ssm-tunnel stop [task|session]`: terminate a session or stop an ephemeral bastion. */
export const stopCommand = defineCommand({
  meta: {
    name: 'stop',
    description: 'Terminate one of your sessions or stop an ephemeral bastion',
  },
  args: {
    id: {
      type: 'positional',
      description: 'Session id, or ephemeral task id/ARN',
      required: false,
    },
    all: { type: 'boolean', description: 'Everything `status` shows' },
    ...clusterArgs,
    ...awsArgs,
    ...outputArgs,
  },
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
      const items: Stoppable[] = [
        ...sessions.map((session) => ({
          kind: 'session' as const,
          id: session.SessionId ?? '',
          label: `session ${session.SessionId ?? ''} (${session.Target ?? '?'})`,
        })),
        ...tasks.map((task) => ({
          kind: 'task' as const,
          id: task.taskArn ?? '',
          cluster: task.clusterArn ?? '',
          label: `ephemeral task ${lastSegment(task.taskArn)} (${lastSegment(task.clusterArn)})`,
        })),
      ];
      let chosen: Stoppable[];
      if (args.id !== undefined) {
        const id = args.id;
        const match = items.find(
          (item) => item.id === id || (item.kind === 'task' && lastSegment(item.id) === id),
        );
        // A session of another owner, or one DescribeSessions does not list yet: try anyway.
        chosen = [
          match ?? { kind: id.startsWith('arn:aws:ecs') ? 'task' : 'session', id, label: id },
        ];
        if (chosen[0]?.kind === 'task' && match === undefined) {
          throw new CliError('ERR_CLI_USAGE', `No ephemeral task ${id} found.`, {
            hint: 'Pass --cluster, or see `ssm-tunnel status`.',
          });
        }
      } else if (args.all === true) {
        chosen = items;
      } else if (items.length === 0) {
        chosen = [];
      } else {
        const picked = await prompter.select(
          'Stop which?',
          items.map((item, index) => ({ value: String(index), label: item.label })),
          '<id> or --all',
        );
        chosen = [items[Number(picked)]!];
      }
      if (chosen.length === 0) output.info('Nothing to stop.');
      for (const item of chosen) {
        await stopOne(context, item);
        output.event({ type: 'stopped', kind: item.kind, id: item.id });
        output.result(`Stopped ${item.label}.`);
      }
    } finally {
      output.stopSpinner();
      context.destroy();
    }
  },
});
