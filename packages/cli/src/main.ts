import { renderUsage, runCommand, type CommandDef } from 'citty';
import { PACKAGE_VERSION } from './internal/version.js';
import { SsmError } from '@ssmkit/protocol';
import { stripVTControlCharacters } from 'node:util';
import { CliError } from './errors/cli-error.js';
import { rootCommand, subCommands } from './commands/root.js';
import {
  configureRuntime,
  currentRuntime,
  requestedExitCode,
  type RuntimeOverrides,
} from './internal/cli-runtime.js';
import { colorEnabled, Output } from './internal/output.js';
import { ExitCode, exitCodeFor } from './internal/exit-codes.js';
import { hintFor } from './internal/hints.js';

const HELP_FLAGS = new Set(['--help', '-h']);

const ROOT_EPILOGUE = `AWS OPTIONS (every command that calls AWS)

  --profile, --region, --role-arn, --mfa-serial, --mfa-code (or SSMKIT_MFA_CODE), --endpoint-url
  Output: --json (one JSON event per line), --quiet, --verbose; NO_COLOR is honoured.

EXAMPLES

  ssm-tunnel --target i-0123456789abcdef0 --port 22 --local-port 2222
  ssm-tunnel --target tag:Name=bastion --host mydb.internal --port 5432
  ssm-tunnel db mydb --secret
  ssm-tunnel db mydb --secret -- pg_dump -Fc app > app.dump
  ssm-tunnel forward --ephemeral --ecs-cluster prod --ecs-service api --host redis.internal --port 6379

EXIT CODES

  0 ok · 1 error · 2 usage · 3 credentials/auth · 4 target or database · 5 network/port · 130 interrupted
  (db … -- <command> exits with the command's code)`;

/** Renders `--help` of the command named in `argv` (the root without one). */
export async function renderHelp(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const lazy = name === undefined ? undefined : subCommands[name];
  const text =
    lazy === undefined
      ? `${await renderUsage(rootCommand as CommandDef)}\n\n${ROOT_EPILOGUE}`
      : await renderUsage((await lazy()) as CommandDef, rootCommand as CommandDef);
  return colorEnabled(process.stdout, env) ? text : stripVTControlCharacters(text);
}

/** Prints an error: one line with code and hint when known, else the stack and DEBUG advice. */
export function reportError(error: unknown, output: Output): number {
  if (SsmError.isInstance(error)) {
    const hint = CliError.isInstance(error)
      ? (error.hint ?? hintFor(error.code))
      : hintFor(error.code);
    const operation = (error as { operation?: unknown }).operation;
    output.error(
      `${output.style('red', 'error', true)} ${error.code}: ${error.message}${hint === undefined ? '' : ` ${output.style('dim', `Hint: ${hint}`, true)}`}`,
      {
        code: error.code,
        message: error.message,
        ...(typeof operation === 'string' ? { operation } : {}),
        ...(hint === undefined ? {} : { hint }),
      },
    );
    return exitCodeFor(error.code);
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  output.error(
    `${output.style('red', 'unexpected error:', true)} ${text}\nThis is probably a bug. Rerun with DEBUG=ssmkit:* for details and include the output in a bug report.`,
    { code: 'ERR_UNEXPECTED', message: error instanceof Error ? error.message : String(error) },
  );
  return ExitCode.ERROR;
}

/**
 * Runs `ssm-tunnel` with `argv` (without `node cli.js`) and resolves to the exit code. Never
 * throws and never calls `process.exit` (except for a second Ctrl-C).
 */
export async function main(argv: string[], overrides: RuntimeOverrides = {}): Promise<number> {
  const separator = argv.indexOf('--');
  const args = separator === -1 ? argv : argv.slice(0, separator);
  const rest = separator === -1 ? [] : argv.slice(separator + 1);
  configureRuntime(overrides, rest);
  const stdout = overrides.output?.stdout ?? process.stdout;
  if (args.some((arg) => HELP_FLAGS.has(arg))) {
    stdout.write(`${await renderHelp(args, overrides.env)}\n`);
    return ExitCode.OK;
  }
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    stdout.write(`${PACKAGE_VERSION}\n`);
    return ExitCode.OK;
  }
  // `forward` is the default: `ssm-tunnel --target i-… --port 22`.
  const first = args[0];
  const rawArgs = first !== undefined && first in subCommands ? args : ['forward', ...args];
  if (first !== undefined && !first.startsWith('-') && !(first in subCommands)) {
    const output = new Output({
      ...overrides.output,
      ...(overrides.env === undefined ? {} : { env: overrides.env }),
    });
    return reportError(
      new CliError('ERR_CLI_USAGE', `Unknown command "${first}".`, {
        hint: `Commands: ${Object.keys(subCommands).join(', ')}. Run ssm-tunnel --help.`,
      }),
      output,
    );
  }
  try {
    await runCommand(rootCommand as CommandDef, { rawArgs });
    return requestedExitCode() ?? ExitCode.OK;
  } catch (error) {
    const runtime = currentRuntime();
    const output =
      runtime?.output ??
      new Output({
        ...overrides.output,
        ...(overrides.env === undefined ? {} : { env: overrides.env }),
      });
    if (error instanceof Error && error.name === 'CLIError') {
      return reportError(
        new CliError('ERR_CLI_USAGE', error.message, { hint: 'Run ssm-tunnel <command> --help.' }),
        output,
      );
    }
    return reportError(error, output);
  } finally {
    currentRuntime()?.interrupts.uninstall();
    currentRuntime()?.output.stopSpinner();
  }
}
