import { defineCommand } from 'citty';
import { openStdioSession, type AwsContext } from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';
import { createCliContext } from '../internal/aws.js';
import { setExitCode, useRuntime } from '../internal/cli-runtime.js';
import { parsePort } from '../internal/command-helpers.js';
import { awsArgs, reasonArgs } from '../internal/global-args.js';
import { parseTargetFlag } from '../internal/target-spec.js';
import { renderTunnelEvent } from '../internal/tunnel-runner.js';
import { ExitCode, exitCodeFor } from '../internal/exit-codes.js';

/**
 * `ssm-tunnel ssh-proxy <target> <port>`: an `AWS-StartSSHSession` on stdin/stdout for ssh's
 * `ProxyCommand`. stdout carries payload bytes only; everything else goes to stderr.
 */
export const sshProxyCommand = defineCommand({
  meta: {
    name: 'ssh-proxy',
    description: 'stdin/stdout session for ssh ProxyCommand (AWS-StartSSHSession)',
  },
  args: {
    target: {
      type: 'positional',
      description: 'Target (%h): i-…, mi-…, tag:…, param:…',
      required: true,
    },
    port: { type: 'positional', description: 'Port on the target (%p)', default: '22' },
    document: { type: 'string', description: 'Session document (default AWS-StartSSHSession)' },
    ...reasonArgs,
    ...awsArgs,
    verbose: { type: 'boolean', description: 'Progress on stderr' },
  },
  async run({ args }) {
    // stdout is ssh's: JSON and results are never written to it.
    const runtime = useRuntime({ quiet: args.verbose !== true, verbose: args.verbose === true });
    const { output, prompter, interrupts } = runtime;
    if (typeof args.target !== 'string' || args.target === '') {
      throw new CliError('ERR_CLI_USAGE', 'Missing <target>.', {
        hint: 'In ~/.ssh/config: ProxyCommand ssm-tunnel ssh-proxy %h %p',
      });
    }
    const port = parsePort('<port>', args.port) ?? 22;
    interrupts.install();
    let context: AwsContext | undefined;
    try {
      context = await createCliContext(args, prompter, runtime.env);
      const session = await openStdioSession({
        context,
        target: parseTargetFlag(args.target),
        port,
        ...(args.document === undefined ? {} : { documentName: args.document }),
        ...(args.reason === undefined ? {} : { reason: args.reason }),
        signal: interrupts.signal,
        onEvent: (event) => renderTunnelEvent(output, event),
      });
      const result = await session.done;
      await session.close();
      if (result.output !== '') output.detail(result.output);
      if (result.error !== undefined) {
        output.error(`error ${result.error.code}: ${result.error.message}`);
        setExitCode(exitCodeFor(result.error.code));
      } else {
        setExitCode(ExitCode.OK);
      }
    } finally {
      context?.destroy();
    }
  },
});
