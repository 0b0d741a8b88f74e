import { defineCommand } from 'citty';
import type { AwsContext } from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';
import { createCheckedContext } from '../internal/aws.js';
import { useRuntime } from '../internal/cli-runtime.js';
import { localArgs, parsePort, targetArgs } from '../internal/command-helpers.js';
import { awsArgs, outputArgs, reasonArgs } from '../internal/global-args.js';
import { pickTarget } from '../internal/pickers.js';
import { targetFromFlags } from '../internal/target-spec.js';
import {
  closeTunnelWithReport,
  forwardingLine,
  localEndpoint,
  openTunnelWithProgress,
} from '../internal/tunnel-runner.js';

/** `ssm-tunnel forward`: a local port forwarded to a port on the target or a remote host. */
export const forwardCommand = defineCommand({
  meta: {
    name: 'forward',
    description:
      'Forward a local port to a port on the target or a host behind it (default command)',
  },
  args: {
    ...targetArgs,
    host: {
      type: 'string',
      description: 'Remote host as seen from the target (omit for a port on the target)',
    },
    port: { type: 'string', description: 'Remote port' },
    ...localArgs,
    ...reasonArgs,
    ...awsArgs,
    ...outputArgs,
  },
  async run({ args }) {
    const runtime = useRuntime(args);
    const { output, prompter, interrupts } = runtime;
    let port = parsePort('--port', args.port);
    const localPort = parsePort('--local-port', args['local-port'], true);
    if (port === undefined) {
      if (!prompter.interactive) {
        throw new CliError('ERR_CLI_USAGE', 'Missing --port (the remote port to forward to).', {
          hint: 'For example: ssm-tunnel forward --target i-0123456789abcdef0 --port 22.',
        });
      }
      port = parsePort('--port', await prompter.text('Remote port', '--port'));
    }
    const flagTarget = targetFromFlags(args);
    interrupts.install();
    let context: AwsContext | undefined;
    try {
      const checked = await createCheckedContext(args, runtime);
      context = checked.context;
      output.detail(`Credentials: ${checked.identity.arn} (${context.region})`);
      const target = flagTarget ?? (await pickTarget(context, prompter, output));
      const tunnel = await openTunnelWithProgress(output, {
        context,
        target,
        port: port!,
        ...(args.host === undefined ? {} : { host: args.host }),
        ...(localPort === undefined ? {} : { localPort }),
        ...(args.bind === undefined ? {} : { bind: args.bind }),
        ...(args['unix-socket'] === undefined ? {} : { unixSocket: args['unix-socket'] }),
        ...(args.reason === undefined ? {} : { reason: args.reason }),
        signal: interrupts.signal,
      });
      output.stopSpinner();
      output.event({
        type: 'ready',
        local: localEndpoint(tunnel),
        localPort: tunnel.localPort,
        host: args.host ?? null,
        port,
        target: tunnel.target.target,
        sessionId: tunnel.sessionId,
        ephemeralTask: tunnel.target.ephemeral?.taskArn ?? null,
      });
      output.result(
        forwardingLine(tunnel, {
          ...(args.host === undefined ? {} : { host: args.host }),
          port: port!,
        }),
      );
      await interrupts.wait();
      await closeTunnelWithReport(output, tunnel);
      output.event({ type: 'stopped' });
    } finally {
      output.stopSpinner();
      context?.destroy();
    }
  },
});
