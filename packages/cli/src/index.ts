/**
 * @ssmkit/ssm-tunnel — the `ssm-tunnel` command line. The programmatic surface is small: run the
 * CLI in-process (`main`), its exit codes and errors, and the config file schema.
 *
 * @packageDocumentation
 */
export { main } from './main.js';
export { ExitCode, exitCodeFor } from './internal/exit-codes.js';
export { CliError, CliErrorCode } from './errors/cli-error.js';
export type { CliErrorOptions } from './errors/cli-error.js';
export type { RuntimeOverrides } from './internal/cli-runtime.js';
