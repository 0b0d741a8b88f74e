import { spawn } from 'node:child_process';
import { defineCommand } from 'citty';
import {
  createIamAuthToken,
  findDatabase,
  getDatabaseCredentials,
  listDatabases,
  type AwsContext,
  type DatabaseEndpoint,
  type PortTunnel,
} from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';
import { createCheckedContext } from '../internal/aws.js';
import { setExitCode, useRuntime, type CliRuntime } from '../internal/cli-runtime.js';
import { localArgs, parsePort, targetArgs } from '../internal/command-helpers.js';
import {
  connectionEnv,
  defaultDatabase,
  engineFamily,
  renderConnectionSettings,
  type ConnectionSettings,
} from '../internal/db-settings.js';
import { awsArgs, outputArgs, reasonArgs } from '../internal/global-args.js';
import { targetFromFlags } from '../internal/target-spec.js';
import {
  closeTunnelWithReport,
  forwardingLine,
  localEndpoint,
  openTunnelWithProgress,
} from '../internal/tunnel-runner.js';

async function chooseDatabase(
  context: AwsContext,
  runtime: CliRuntime,
  identifier: string | undefined,
  reader: boolean,
): Promise<DatabaseEndpoint> {
  const role = reader ? 'reader' : 'writer';
  if (identifier !== undefined) return findDatabase(context, { identifier, role });
  runtime.output.step('Listing databases…');
  const databases = await listDatabases(context, { role });
  runtime.output.stopSpinner();
  if (databases.length === 1 && databases[0] !== undefined) return databases[0];
  if (databases.length === 0) {
    throw new CliError('ERR_CLI_USAGE', `No RDS instance or Aurora cluster in ${context.region}.`, {
      hint: 'Check --region and --profile.',
    });
  }
  if (!runtime.prompter.interactive) {
    throw new CliError(
      'ERR_CLI_NOT_INTERACTIVE',
      `Missing the database identifier (${databases.length} found: ${databases.map((database) => database.identifier).join(', ')}), and stdin is not a terminal to ask on.`,
      { hint: `Pass it: ssm-tunnel db ${databases[0]?.identifier ?? '<identifier>'}.` },
    );
  }
  const picked = await runtime.prompter.select(
    'Database',
    databases.map((database) => ({
      value: database.identifier,
      label: database.identifier,
      hint: `${database.kind === 'cluster' ? 'Aurora cluster' : 'instance'}, ${database.engine}`,
    })),
    '<identifier>',
  );
  return findDatabase(context, { identifier: picked, role });
}

function runChild(
  command: string[],
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    const forward = (): void => {
      if (child.exitCode === null) child.kill('SIGINT');
    };
    signal.addEventListener('abort', forward, { once: true });
    child.once('error', (error) => {
      signal.removeEventListener('abort', forward);
      reject(
        new CliError('ERR_CLI_COMMAND_FAILED', `Could not run ${file}: ${error.message}`, {
          cause: error,
          hint: 'Check that the command is installed and on PATH.',
        }),
      );
    });
    child.once('exit', (code, signalName) => {
      signal.removeEventListener('abort', forward);
      if (code !== null) resolve(code);
      else resolve(128 + (signalName === 'SIGINT' ? 2 : signalName === 'SIGTERM' ? 15 : 1));
    });
  });
}

/** `ssm-tunnel db [identifier]`: an RDS/Aurora tunnel with ready-to-paste connection settings. */
export const dbCommand = defineCommand({
  meta: {
    name: 'db',
    description:
      'Tunnel to an RDS instance or Aurora cluster and print connection settings; -- <cmd> runs a command through it',
  },
  args: {
    identifier: {
      type: 'positional',
      description: 'DB instance or Aurora cluster identifier',
      required: false,
    },
    reader: { type: 'boolean', description: "Aurora: the cluster's reader endpoint" },
    user: {
      type: 'string',
      description: "Database user (default: the master user or the secret's)",
    },
    database: { type: 'string', description: 'Database name (default: the one RDS knows)' },
    secret: {
      type: 'boolean',
      description: "Fetch the password from the database's RDS-managed secret",
    },
    'secret-id': {
      type: 'string',
      description: 'Fetch user and password from this Secrets Manager secret',
    },
    'iam-auth': { type: 'boolean', description: 'Use an RDS IAM auth token as the password' },
    'show-password': {
      type: 'boolean',
      description: 'Print the password (never printed otherwise)',
    },
    ...targetArgs,
    ...localArgs,
    ...reasonArgs,
    ...awsArgs,
    ...outputArgs,
  },
  async run({ args }) {
    const runtime = useRuntime(args);
    const { output, interrupts, passthrough } = runtime;
    const localPort = parsePort('--local-port', args['local-port'], true);
    if (args['iam-auth'] === true && (args.secret === true || args['secret-id'] !== undefined)) {
      throw new CliError(
        'ERR_CLI_USAGE',
        'Pass either --iam-auth or --secret/--secret-id, not both.',
      );
    }
    const flagTarget = targetFromFlags(args);
    interrupts.install();
    let context: AwsContext | undefined;
    let tunnel: PortTunnel | undefined;
    try {
      ({ context } = await createCheckedContext(args, runtime));
      output.step('Finding the database…');
      const database = await chooseDatabase(
        context,
        runtime,
        args.identifier,
        args.reader === true,
      );
      output.event({
        type: 'database',
        identifier: database.identifier,
        kind: database.kind,
        engine: database.engine,
        host: database.host,
        port: database.port,
      });
      output.detail(
        `Database: ${database.kind} ${database.identifier} (${database.engine}) at ${database.host}:${database.port}`,
      );

      let user = args.user ?? database.masterUsername;
      let password: string | undefined;
      let passwordSource: ConnectionSettings['passwordSource'];
      if (args.secret === true || args['secret-id'] !== undefined) {
        output.step('Reading the password from Secrets Manager…');
        const credentials = await getDatabaseCredentials(context, {
          secret: args['secret-id'] ?? database,
        });
        user = args.user ?? credentials.username;
        password = credentials.password;
        passwordSource = 'secret';
      }
      const target = flagTarget ?? { auto: { host: database.host, port: database.port } };
      tunnel = await openTunnelWithProgress(output, {
        context,
        target,
        host: database.host,
        port: database.port,
        ...(localPort === undefined ? {} : { localPort }),
        ...(args.bind === undefined ? {} : { bind: args.bind }),
        ...(args['unix-socket'] === undefined ? {} : { unixSocket: args['unix-socket'] }),
        ...(args.reason === undefined ? {} : { reason: args.reason }),
        signal: interrupts.signal,
      });
      if (args['iam-auth'] === true) {
        if (user === undefined) {
          throw new CliError(
            'ERR_CLI_USAGE',
            '--iam-auth needs --user (the database user with IAM auth).',
          );
        }
        if (!database.iamAuthEnabled) {
          output.warn(
            `IAM authentication is not enabled on ${database.identifier}; the token will be refused.`,
          );
        }
        password = await createIamAuthToken(context, {
          host: database.host,
          port: database.port,
          username: user,
        });
        passwordSource = 'iam';
      }
      output.stopSpinner();
      const settings: ConnectionSettings = {
        family: engineFamily(database.engine),
        host: tunnel.unixSocket ?? '127.0.0.1',
        port: tunnel.localPort,
        user,
        database: args.database ?? defaultDatabase(database),
        password,
        passwordSource,
      };
      output.event({
        type: 'ready',
        local: localEndpoint(tunnel),
        localPort: tunnel.localPort,
        host: database.host,
        port: database.port,
        target: tunnel.target.target,
        sessionId: tunnel.sessionId,
        ephemeralTask: tunnel.target.ephemeral?.taskArn ?? null,
        connection: {
          host: settings.host,
          port: settings.port,
          user: settings.user ?? null,
          database: settings.database ?? null,
          ...(args['show-password'] === true && password !== undefined ? { password } : {}),
        },
      });
      if (passthrough.length > 0) {
        output.info(
          forwardingLine(tunnel, { host: database.host, port: database.port }).replace(
            ' Ctrl-C to stop.',
            '',
          ),
        );
        output.info(`Running ${passthrough[0] ?? ''}…`);
        const code = await runChild(passthrough, connectionEnv(settings), interrupts.signal);
        output.event({ type: 'command-exit', exitCode: code });
        output.detail(`${passthrough[0] ?? ''} exited with code ${code}.`);
        setExitCode(code);
      } else {
        output.result(forwardingLine(tunnel, { host: database.host, port: database.port }));
        output.result('');
        for (const line of renderConnectionSettings(settings, args['show-password'] === true)) {
          output.result(line);
        }
        output.result('');
        await interrupts.wait();
      }
      await closeTunnelWithReport(output, tunnel);
      tunnel = undefined;
      output.event({ type: 'stopped' });
    } finally {
      output.stopSpinner();
      await tunnel?.close();
      context?.destroy();
    }
  },
});
