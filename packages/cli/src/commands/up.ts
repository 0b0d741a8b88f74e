import { defineCommand } from 'citty';
import { findDatabase, type AwsContext, type PortTunnel, type TargetSpec } from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';
import { createCliContext } from '../internal/aws.js';
import { useRuntime } from '../internal/cli-runtime.js';
import { awsArgs, outputArgs, type GlobalValues } from '../internal/global-args.js';
import { loadConfig, type ConfigFile, type TunnelConfig } from '../config/config-file.js';
import { parseTargetFlag } from '../internal/target-spec.js';
import {
  closeTunnelWithReport,
  forwardingLine,
  localEndpoint,
  openTunnelWithProgress,
} from '../internal/tunnel-runner.js';

/** `--config` flag. */
export const configArgs = {
  config: {
    type: 'string',
    description: 'Config file (default: ssm-tunnel.config.json here or above)',
  },
} as const;

/** The tunnels named (all when none), failing on unknown names. */
export function selectTunnels(
  config: ConfigFile,
  names: string[],
  path: string,
): [string, TunnelConfig][] {
  const all = Object.entries(config.tunnels);
  if (names.length === 0) return all;
  return names.map((name) => {
    const tunnel = config.tunnels[name];
    if (tunnel === undefined) {
      throw new CliError('ERR_CLI_UNKNOWN_TUNNEL', `No tunnel "${name}" in ${path}.`, {
        hint: `Configured: ${all.map(([key]) => key).join(', ') || '(none)'}.`,
      });
    }
    return [name, tunnel];
  });
}

/** `ssm-tunnel up [name…]`: named tunnels from the config file, all in one process. */
export const upCommand = defineCommand({
  meta: {
    name: 'up',
    description: 'Open named tunnels from ssm-tunnel.config.json (all when none named)',
  },
  args: {
    names: { type: 'positional', description: 'Tunnel names (default: all)', required: false },
    ...configArgs,
    ...awsArgs,
    ...outputArgs,
  },
  async run({ args }) {
    const runtime = useRuntime(args);
    const { output, prompter, interrupts } = runtime;
    const { path, config } = loadConfig(args.config, runtime.cwd);
    const selected = selectTunnels(config, args._, path);
    if (selected.length === 0) {
      throw new CliError('ERR_CLI_CONFIG_FILE', `${path}: no tunnels configured.`);
    }
    interrupts.install();
    const contexts = new Map<string, Promise<AwsContext>>();
    const tunnels: [string, PortTunnel][] = [];
    const contextFor = (tunnel: TunnelConfig): Promise<AwsContext> => {
      const values: GlobalValues = {
        ...args,
        ...(config.defaults?.profile === undefined ? {} : { profile: config.defaults.profile }),
        ...(config.defaults?.region === undefined ? {} : { region: config.defaults.region }),
        ...(config.defaults?.roleArn === undefined ? {} : { 'role-arn': config.defaults.roleArn }),
        ...(config.defaults?.endpointUrl === undefined
          ? {}
          : { 'endpoint-url': config.defaults.endpointUrl }),
        ...(tunnel.profile === undefined ? {} : { profile: tunnel.profile }),
        ...(tunnel.region === undefined ? {} : { region: tunnel.region }),
        ...(tunnel.roleArn === undefined ? {} : { 'role-arn': tunnel.roleArn }),
        ...(tunnel.endpointUrl === undefined ? {} : { 'endpoint-url': tunnel.endpointUrl }),
      };
      // Command-line flags win over the file.
      for (const key of ['profile', 'region', 'role-arn', 'endpoint-url'] as const) {
        if (args[key] !== undefined) values[key] = args[key];
      }
      const key = JSON.stringify([
        values.profile,
        values.region,
        values['role-arn'],
        values['endpoint-url'],
      ]);
      let context = contexts.get(key);
      if (context === undefined) {
        context = createCliContext(values, prompter, runtime.env);
        contexts.set(key, context);
      }
      return context;
    };
    const openOne = async (name: string, tunnel: TunnelConfig): Promise<void> => {
      const context = await contextFor(tunnel);
      let host = tunnel.host;
      let port = tunnel.port;
      if (tunnel.db !== undefined) {
        const database = await findDatabase(context, {
          identifier: tunnel.db,
          role: tunnel.reader === true ? 'reader' : 'writer',
        });
        host = database.host;
        port ??= database.port;
      }
      let target: TargetSpec;
      if (tunnel.ephemeral !== undefined) target = { ephemeral: tunnel.ephemeral };
      else if (tunnel.target !== undefined) target = parseTargetFlag(tunnel.target);
      else target = { auto: { host: host!, port: port! } };
      const reason = tunnel.reason ?? config.defaults?.reason;
      const opened = await openTunnelWithProgress(output, {
        context,
        target,
        port: port!,
        name,
        ...(host === undefined ? {} : { host }),
        ...(tunnel.localPort === undefined ? {} : { localPort: tunnel.localPort }),
        ...(tunnel.bind === undefined ? {} : { bind: tunnel.bind }),
        ...(tunnel.unixSocket === undefined ? {} : { unixSocket: tunnel.unixSocket }),
        ...(reason === undefined ? {} : { reason }),
        signal: interrupts.signal,
      });
      tunnels.push([name, opened]);
      output.stopSpinner();
      output.event({
        type: 'ready',
        tunnel: name,
        local: localEndpoint(opened),
        localPort: opened.localPort,
        host: host ?? null,
        port,
        target: opened.target.target,
        sessionId: opened.sessionId,
      });
      output.result(
        forwardingLine(opened, { ...(host === undefined ? {} : { host }), port: port! }, name),
      );
    };
    try {
      const results = await Promise.allSettled(
        selected.map(([name, tunnel]) => openOne(name, tunnel)),
      );
      const failed = results.find(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      if (failed !== undefined) throw failed.reason;
      output.info(`${tunnels.length} tunnel${tunnels.length === 1 ? '' : 's'} up. Ctrl-C to stop.`);
      await interrupts.wait();
    } finally {
      output.stopSpinner();
      await Promise.all(
        tunnels.map(([name, tunnel]) => closeTunnelWithReport(output, tunnel, name)),
      );
      for (const context of contexts.values()) {
        await context.then((value) => value.destroy()).catch(() => undefined);
      }
      output.event({ type: 'stopped' });
    }
  },
});
