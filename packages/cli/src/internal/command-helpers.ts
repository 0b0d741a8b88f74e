import type { ArgsDef } from 'citty';
import { CliError } from '../errors/cli-error.js';

/** Flags that choose the bastion. */
export const targetArgs = {
  target: {
    type: 'string',
    description: 'Bastion: i-…, mi-…, tag:Key=Value, param:/name or ecs:<cluster>/<service>',
  },
  ephemeral: {
    type: 'boolean',
    description: 'Start a Fargate bastion from --ecs-cluster/--ecs-service; stop it on exit',
  },
  'ecs-cluster': {
    type: 'string',
    description: 'ECS cluster (with --ephemeral or for ecs targets)',
  },
  'ecs-service': {
    type: 'string',
    description: 'ECS service (with --ephemeral or for ecs targets)',
  },
} as const satisfies ArgsDef;

/** Flags of the local end of a tunnel. */
export const localArgs = {
  'local-port': {
    type: 'string',
    description: 'Local port (default: the remote port if free, else any; 0 = any)',
  },
  bind: { type: 'string', description: 'Local address to listen on (default 127.0.0.1)' },
  'unix-socket': { type: 'string', description: 'Listen on this unix socket instead of TCP' },
} as const satisfies ArgsDef;

/** A port flag value (`allowZero` for local ports). */
export function parsePort(
  flag: string,
  value: string | undefined,
  allowZero = false,
): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65_535) {
    throw new CliError(
      'ERR_CLI_USAGE',
      `${flag} must be a port number (${allowZero ? 0 : 1}–65535), got "${value}".`,
    );
  }
  return port;
}

/** A string flag (citty may give `true` for a value-less flag). */
export function stringFlag(flag: string, value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new CliError('ERR_CLI_USAGE', `${flag} needs a value.`);
  }
  return value;
}
