import { defineCommand } from 'citty';
import { cleanupEphemeralBastions } from '@ssmkit/core';
import { createCliContext } from '../internal/aws.js';
import { useRuntime } from '../internal/cli-runtime.js';
import { awsArgs, outputArgs } from '../internal/global-args.js';
import { lastSegment } from '../internal/sdk.js';

/** `ssm-tunnel cleanup`: stop expired ephemeral bastions (left behind by crashed runs). */
export const cleanupCommand = defineCommand({
  meta: {
    name: 'cleanup',
    description: 'Stop ephemeral bastions whose time is up (left by crashed runs)',
  },
  args: {
    cluster: { type: 'string', description: 'ECS clusters, comma-separated (default: all)' },
    mine: { type: 'boolean', description: 'Only tasks you started' },
    'dry-run': { type: 'boolean', description: 'Only list what would be stopped' },
    all: { type: 'boolean', description: 'Stop every ephemeral bastion, expired or not' },
    ...awsArgs,
    ...outputArgs,
  },
  async run({ args }) {
    const runtime = useRuntime(args);
    const { output, prompter } = runtime;
    const context = await createCliContext(args, prompter, runtime.env);
    try {
      output.step('Looking for expired ephemeral bastions…');
      const clusters = args.cluster
        ?.split(',')
        .map((value) => value.trim())
        .filter(Boolean);
      const stopped = await cleanupEphemeralBastions(context, {
        ...(clusters === undefined ? {} : { clusters }),
        ownOnly: args.mine === true,
        dryRun: args['dry-run'] === true,
        // `--all`: every ssmkit bastion counts as expired.
        ...(args.all === true ? { now: Number.MAX_SAFE_INTEGER } : {}),
      });
      output.stopSpinner();
      const verb = args['dry-run'] === true ? 'Would stop' : 'Stopped';
      for (const taskArn of stopped) {
        output.event({ type: args['dry-run'] === true ? 'would-stop' : 'stopped', taskArn });
        output.result(`${verb} ${lastSegment(taskArn)} (${taskArn})`);
      }
      output.info(
        stopped.length === 0
          ? `No ${args.all === true ? '' : 'expired '}ephemeral bastions.`
          : `${verb} ${stopped.length} ${args.all === true ? '' : 'expired '}ephemeral bastion${stopped.length === 1 ? '' : 's'}.`,
      );
    } finally {
      output.stopSpinner();
      context.destroy();
    }
  },
});
