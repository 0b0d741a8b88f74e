/**
 * Exit codes of `ssm-tunnel`, one per kind of failure so scripts can tell them apart. A
 * `db … -- <command>` run exits with the command's own code instead.
 */
export const ExitCode = {
  /** Success, or a tunnel stopped with Ctrl-C after it was ready. */
  OK: 0,
  /** Any other error (an unexpected one prints its stack), or `doctor` found problems. */
  ERROR: 1,
  /** Bad or missing flags, invalid config file, a flag needed but no terminal to ask. */
  USAGE: 2,
  /** Credentials, region, assume-role, MFA or access denied. */
  AUTH: 3,
  /** Target or database not found, offline, ambiguous; ECS Exec disabled; task failed. */
  TARGET: 4,
  /** Local port in use, session could not open, connection to AWS lost. */
  NETWORK: 5,
  /** Interrupted (Ctrl-C) before the tunnel was ready, or forced with a second Ctrl-C. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const AUTH_CODES = new Set([
  'ERR_AWS_CREDENTIALS',
  'ERR_AWS_INVALID_CREDENTIALS',
  'ERR_AWS_EXPIRED_CREDENTIALS',
  'ERR_AWS_ASSUME_ROLE',
  'ERR_AWS_MFA',
  'ERR_AWS_ACCESS_DENIED',
]);

/** The exit code for an error code (`ERR_…`). */
export function exitCodeFor(code: string): ExitCode {
  if (code === 'ERR_CLI_CANCELLED') return ExitCode.INTERRUPTED;
  if (code === 'ERR_CLI_COMMAND_FAILED' || code === 'ERR_CLI_CHECKS_FAILED') return ExitCode.ERROR;
  if (code.startsWith('ERR_CLI_') || code.startsWith('ERR_CONFIG_')) return ExitCode.USAGE;
  if (AUTH_CODES.has(code)) return ExitCode.AUTH;
  if (
    code.startsWith('ERR_TARGET_') ||
    code.startsWith('ERR_DB_') ||
    code === 'ERR_AWS_TARGET_NOT_CONNECTED'
  ) {
    return code === 'ERR_TARGET_ABORTED' ? ExitCode.INTERRUPTED : ExitCode.TARGET;
  }
  if (code === 'ERR_TUNNEL_CLOSED') return ExitCode.INTERRUPTED;
  if (
    code.startsWith('ERR_TUNNEL_') ||
    code.startsWith('ERR_PROTOCOL_') ||
    code === 'ERR_AWS_NETWORK'
  ) {
    return ExitCode.NETWORK;
  }
  return ExitCode.ERROR;
}
