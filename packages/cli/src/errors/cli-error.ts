import { SsmError, type SsmErrorOptions } from '@ssmkit/protocol';

/** Codes of {@link CliError}. */
export const CliErrorCode = {
  /** A flag or argument is missing or invalid (exit code 2). */
  USAGE: 'ERR_CLI_USAGE',
  /** A flag is missing and stdin is not a terminal, so the CLI cannot ask (exit code 2). */
  NOT_INTERACTIVE: 'ERR_CLI_NOT_INTERACTIVE',
  /** The user cancelled a prompt (exit code 130). */
  CANCELLED: 'ERR_CLI_CANCELLED',
  /** The config file is missing, unreadable or invalid (exit code 2). */
  CONFIG_FILE: 'ERR_CLI_CONFIG_FILE',
  /** A named tunnel is not in the config file (exit code 2). */
  UNKNOWN_TUNNEL: 'ERR_CLI_UNKNOWN_TUNNEL',
  /** A `db … -- <command>` child could not be started (exit code 1). */
  COMMAND_FAILED: 'ERR_CLI_COMMAND_FAILED',
  /** `doctor` found problems (exit code 1). */
  CHECKS_FAILED: 'ERR_CLI_CHECKS_FAILED',
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** Options of {@link CliError}. */
export interface CliErrorOptions extends SsmErrorOptions {
  /** What to do about it, printed after the message. */
  hint?: string;
}

/** An error of the command line itself: bad flags, a bad config file, a cancelled prompt. */
export class CliError extends SsmError {
  override readonly code: CliErrorCode;
  /** What to do about it. */
  readonly hint: string | undefined;

  constructor(code: CliErrorCode, message: string, options: CliErrorOptions = {}) {
    super(code, message, options);
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint;
  }

  /** True for a {@link CliError}, even from another copy of the package. */
  static override isInstance(error: unknown): error is CliError {
    return SsmError.isInstance(error) && error.name === 'CliError';
  }
}
