import { defineCommand } from 'citty';
import { useRuntime } from '../internal/cli-runtime.js';
import { outputArgs } from '../internal/global-args.js';
import { describeDestination, loadConfig } from '../config/config-file.js';
import { configArgs } from './up.js';

/** `ssm-tunnel ls`: the named tunnels of the config file. */
export const lsCommand = defineCommand({
  meta: { name: 'ls', description: 'List the named tunnels of ssm-tunnel.config.json' },
  args: { ...configArgs, ...outputArgs },
  run({ args }) {
    const runtime = useRuntime(args);
    const { output } = runtime;
    const { path, config } = loadConfig(args.config, runtime.cwd);
    const rows = Object.entries(config.tunnels).map(([name, tunnel]) => {
      const profile = tunnel.profile ?? config.defaults?.profile;
      const region = tunnel.region ?? config.defaults?.region;
      return {
        name,
        destination: describeDestination(tunnel),
        local:
          tunnel.unixSocket ??
          `${tunnel.bind ?? '127.0.0.1'}:${tunnel.localPort === undefined ? (tunnel.port ?? 'auto') : tunnel.localPort === 0 ? 'any' : tunnel.localPort}`,
        via:
          tunnel.ephemeral !== undefined
            ? `ephemeral ${tunnel.ephemeral.cluster}/${tunnel.ephemeral.service}`
            : (tunnel.target ?? 'auto'),
        aws: [profile, region].filter((value) => value !== undefined).join(' ') || 'default',
        description: tunnel.description ?? '',
      };
    });
    for (const row of rows) output.event({ type: 'tunnel', ...row });
    output.info(`${path}:`);
    const header = {
      name: 'NAME',
      destination: 'DESTINATION',
      local: 'LOCAL',
      via: 'VIA',
      aws: 'AWS',
      description: '',
    };
    const all = [header, ...rows];
    const width = (key: keyof typeof header): number =>
      Math.max(...all.map((row) => row[key].length));
    for (const row of all) {
      output.result(
        [
          row.name.padEnd(width('name')),
          row.destination.padEnd(width('destination')),
          row.local.padEnd(width('local')),
          row.via.padEnd(width('via')),
          row.aws.padEnd(width('aws')),
          row.description,
        ]
          .join('  ')
          .trimEnd(),
      );
    }
  },
});
