/** What to do about each known error code, printed after the one-line error. */
const HINTS: Record<string, string> = {
  ERR_AWS_CREDENTIALS:
    'Set credentials: `aws sso login --profile <name>` and pass --profile, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
  ERR_AWS_INVALID_CREDENTIALS:
    'Check the access key (or the --profile) and run `ssm-tunnel doctor`.',
  ERR_AWS_EXPIRED_CREDENTIALS: 'Refresh them, e.g. `aws sso login --profile <name>`.',
  ERR_AWS_ASSUME_ROLE: "Check --role-arn and that the role's trust policy allows you.",
  ERR_AWS_MFA: 'Pass a fresh code with --mfa-code or SSMKIT_MFA_CODE (with --mfa-serial).',
  ERR_AWS_ACCESS_DENIED: 'Grant the IAM action named above, or use another --profile/--role-arn.',
  ERR_AWS_TARGET_NOT_CONNECTED:
    'The SSM agent on the target is not connected: run `ssm-tunnel doctor --target <id>`.',
  ERR_AWS_THROTTLED: 'Wait a moment and retry.',
  ERR_AWS_NETWORK: 'Check your network (or --endpoint-url) and retry.',
  ERR_CONFIG_MISSING_REGION: 'Pass --region or set AWS_REGION.',
  ERR_CONFIG_INVALID_OPTION: 'Check the flag values named above.',
  ERR_TARGET_NOT_FOUND:
    'Check --target (or the tag/parameter) and --region; `ssm-tunnel doctor` helps.',
  ERR_TARGET_AMBIGUOUS: 'Pass an instance id with --target, or narrow the tag.',
  ERR_TARGET_OFFLINE: 'Start the instance or its SSM agent; `ssm-tunnel doctor --target <id>`.',
  ERR_TARGET_INVALID: 'Use i-…, mi-…, tag:Key=Value, param:/name or ecs:cluster/service.',
  ERR_TARGET_EXEC_DISABLED:
    'Enable ECS Exec: `aws ecs update-service --enable-execute-command --force-new-deployment …`.',
  ERR_TARGET_TASK_STOPPED: 'The ECS task stopped; check its stopped reason in the ECS console.',
  ERR_TARGET_TASK_START_FAILED: "Check the service's task definition, subnets and capacity.",
  ERR_TARGET_TIMEOUT: 'The target did not become ready in time; retry, or check the task logs.',
  ERR_DB_NOT_FOUND: 'Check the identifier and --region; `ssm-tunnel db` without one lists them.',
  ERR_DB_AMBIGUOUS: 'Pass the database identifier.',
  ERR_DB_NO_ENDPOINT: 'Wait until the database is available (or drop --reader).',
  ERR_DB_NO_SECRET: 'Pass the secret name or ARN: --secret <name>.',
  ERR_DB_SECRET_INVALID: 'The secret must be JSON with `username` and `password`.',
  ERR_DB_IAM_TOKEN: 'Check that IAM authentication is enabled on the database.',
  ERR_TUNNEL_PORT_IN_USE: 'Pick another --local-port, or 0 for any free port.',
  ERR_TUNNEL_BIND: 'Check --bind/--unix-socket (address exists, directory writable).',
  ERR_TUNNEL_SESSION_OPEN: 'Run `ssm-tunnel doctor` to check the target and its agent.',
  ERR_TUNNEL_SESSION_ENDED: 'The session ended; run the command again.',
  ERR_TUNNEL_RECONNECT_FAILED: 'The connection to AWS was lost; check your network and rerun.',
  ERR_TUNNEL_UNSUPPORTED_SESSION: 'Use `ssm-tunnel ssh-proxy` for SSH-style sessions.',
  ERR_CLI_NOT_INTERACTIVE: 'Pass the flags above (no terminal to ask on).',
  ERR_CLI_CONFIG_FILE: 'Fix the key named above in the config file.',
};

/** The hint for an error code, if there is one. */
export function hintFor(code: string): string | undefined {
  return HINTS[code];
}
