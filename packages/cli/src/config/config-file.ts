import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod/v4';
import { CliError } from '../errors/cli-error.js';

/** The config file name searched for from the working directory up. */
export const CONFIG_FILE_NAME = 'ssm-tunnel.config.json';

const portSchema = z.int().min(1).max(65_535);

/** AWS settings a tunnel (or `defaults`) may set. */
const awsShape = {
  profile: z.string().min(1).optional(),
  region: z
    .string()
    .regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, 'expected a region such as eu-west-1')
    .optional(),
  roleArn: z.string().min(20).optional(),
  endpointUrl: z.url().optional(),
  reason: z.string().min(1).max(256).optional(),
};

/** One named tunnel. */
export const tunnelConfigSchema = z
  .object({
    ...awsShape,
    /** Short description shown by `ls`. */
    description: z.string().optional(),
    /** Bastion, as for --target. */
    target: z.string().min(1).optional(),
    /** Start an ephemeral Fargate bastion from this ECS service. */
    ephemeral: z
      .object({ cluster: z.string().min(1), service: z.string().min(1) })
      .strict()
      .optional(),
    /** An RDS instance or Aurora cluster identifier: host and port come from RDS. */
    db: z.string().min(1).optional(),
    /** With `db`: the Aurora reader endpoint. */
    reader: z.boolean().optional(),
    /** Remote host (omit for a port on the target). */
    host: z.string().min(1).optional(),
    /** Remote port (default: the database's with `db`). */
    port: portSchema.optional(),
    /** Local port (default: the remote port if free, else any; 0 = any). */
    localPort: z.int().min(0).max(65_535).optional(),
    bind: z.string().min(1).optional(),
    unixSocket: z.string().min(1).optional(),
  })
  .strict()
  .refine((tunnel) => tunnel.db !== undefined || tunnel.port !== undefined, {
    message: 'set `port` (or `db` to take it from RDS)',
    path: ['port'],
  })
  .refine((tunnel) => !(tunnel.db !== undefined && tunnel.host !== undefined), {
    message: '`db` and `host` exclude each other',
    path: ['host'],
  })
  .refine(
    (tunnel) =>
      tunnel.db !== undefined || tunnel.target !== undefined || tunnel.ephemeral !== undefined,
    {
      message: 'set `target` or `ephemeral` (only `db` tunnels find their bastion)',
      path: ['target'],
    },
  );

export type TunnelConfig = z.infer<typeof tunnelConfigSchema>;

/** `ssm-tunnel.config.json`. */
export const configFileSchema = z
  .object({
    $schema: z.string().optional(),
    /** Settings every tunnel inherits. */
    defaults: z.object(awsShape).strict().optional(),
    tunnels: z.record(
      z.string().regex(/^[\w.-]+$/, 'expected a name of letters, digits, . _ -'),
      tunnelConfigSchema,
    ),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

/** A loaded config file. */
export interface LoadedConfig {
  path: string;
  config: ConfigFile;
}

/** `ssm-tunnel.config.json` in `cwd` or the nearest parent directory, if any. */
export function findConfigFile(cwd: string): string | undefined {
  let directory = resolve(cwd);
  for (;;) {
    const candidate = join(directory, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(root)' : text;
}

/** Parses and validates config text; errors name the file and the bad key. */
export function parseConfig(text: string, path: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      'ERR_CLI_CONFIG_FILE',
      `${path}: not valid JSON (${(error as Error).message}).`,
    );
  }
  const result = configFileSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const keys =
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => `${formatPath([...issue.path, key])}`)
          : [];
      return keys.length > 0
        ? `${keys.join(', ')}: unknown key`
        : `${formatPath(issue.path)}: ${issue.message}`;
    });
    throw new CliError('ERR_CLI_CONFIG_FILE', `${path}: ${problems.join('; ')}.`);
  }
  return result.data;
}

/** Loads `--config` or the file found from `cwd` up. */
export function loadConfig(explicitPath: string | undefined, cwd: string): LoadedConfig {
  const path = explicitPath === undefined ? findConfigFile(cwd) : resolve(cwd, explicitPath);
  if (path === undefined) {
    throw new CliError('ERR_CLI_CONFIG_FILE', `No ${CONFIG_FILE_NAME} in ${cwd} or its parents.`, {
      hint: `Create one (see ssm-tunnel up --help) or pass --config <file>.`,
    });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError('ERR_CLI_CONFIG_FILE', `Cannot read ${path}: ${(error as Error).message}.`);
  }
  return { path, config: parseConfig(text, path) };
}

/** One-line destination of a tunnel for listings. */
export function describeDestination(tunnel: TunnelConfig): string {
  if (tunnel.db !== undefined) return `db ${tunnel.db}${tunnel.reader === true ? ' (reader)' : ''}`;
  return `${tunnel.host ?? 'target'}:${tunnel.port ?? '?'}`;
}
