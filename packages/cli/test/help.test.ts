// Every command's --help, pinned: the help text is the CLI's interface.
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './helpers.js';

const COMMANDS = [
  'forward',
  'db',
  'ssh-proxy',
  'ssh-config',
  'up',
  'ls',
  'status',
  'stop',
  'cleanup',
  'doctor',
  'emulator',
] as const;
const help = new Map<string, CliResult>();

beforeAll(async () => {
  const results = await Promise.all([
    runCli(['--help']),
    ...COMMANDS.map((command) => runCli([command, '--help'])),
  ]);
  help.set('', results[0]);
  COMMANDS.forEach((command, index) => help.set(command, results[index + 1]!));
});

function usage(command: string): string {
  const result = help.get(command)!;
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  // No colour codes with NO_COLOR.
  expect(result.stdout).not.toContain('\u001B[');
  // Column padding is citty's; trailing spaces are not part of the contract.
  return result.stdout.replace(/ +$/gm, '');
}

describe('--help', () => {
  it('ssm-tunnel', () => {
    expect(usage('')).toMatchInlineSnapshot(`
      "Session Manager port forwarding, database tunnels, ssh ProxyCommand and ephemeral Fargate bastions (ssm-tunnel v0.0.0)

      USAGE ssm-tunnel forward|db|ssh-proxy|ssh-config|up|ls|status|stop|cleanup|doctor|emulator

      COMMANDS

           forward    Forward a local port to a port on the target or a host behind it (default command)
                db    Tunnel to an RDS instance or Aurora cluster and print connection settings; -- <cmd> runs a command through it
         ssh-proxy    stdin/stdout session for ssh ProxyCommand (AWS-StartSSHSession)
        ssh-config    Print the ~/.ssh/config block for ssh i-… via ssh-proxy
                up    Open named tunnels from ssm-tunnel.config.json (all when none named)
                ls    List the named tunnels of ssm-tunnel.config.json
            status    Show your active sessions and ephemeral bastions
              stop    Terminate one of your sessions or stop an ephemeral bastion
           cleanup    Stop ephemeral bastions whose time is up (left by crashed runs)
            doctor    Check credentials, region, target, agent version, ECS Exec and ports
          emulator    Start the local Session Manager emulator to try every command offline

      Use ssm-tunnel <command> --help for more information about a command.

      AWS OPTIONS (every command that calls AWS)

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
        (db … -- <command> exits with the command's code)
      "
    `);
  });

  it('forward', () => {
    expect(usage('forward')).toMatchInlineSnapshot(`
      "Forward a local port to a port on the target or a host behind it (default command) (ssm-tunnel forward v0.0.0)

      USAGE ssm-tunnel forward [OPTIONS]

      OPTIONS

                    --target=<target>    Bastion: i-…, mi-…, tag:Key=Value, param:/name or ecs:<cluster>/<service>
                          --ephemeral    Start a Fargate bastion from --ecs-cluster/--ecs-service; stop it on exit
          --ecs-cluster=<ecs_cluster>    ECS cluster (with --ephemeral or for ecs targets)
          --ecs-service=<ecs_service>    ECS service (with --ephemeral or for ecs targets)
                        --host=<host>    Remote host as seen from the target (omit for a port on the target)
                        --port=<port>    Remote port
            --local-port=<local_port>    Local port (default: the remote port if free, else any; 0 = any)
                        --bind=<bind>    Local address to listen on (default 127.0.0.1)
          --unix-socket=<unix_socket>    Listen on this unix socket instead of TCP
                    --reason=<reason>    Audit reason passed to StartSession
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('db', () => {
    expect(usage('db')).toMatchInlineSnapshot(`
      "Tunnel to an RDS instance or Aurora cluster and print connection settings; -- <cmd> runs a command through it (ssm-tunnel db v0.0.0)

      USAGE ssm-tunnel db [OPTIONS] [IDENTIFIER]

      ARGUMENTS

        IDENTIFIER    DB instance or Aurora cluster identifier

      OPTIONS

                             --reader    Aurora: the cluster's reader endpoint
                        --user=<user>    Database user (default: the master user or the secret's)
                --database=<database>    Database name (default: the one RDS knows)
                             --secret    Fetch the password from the database's RDS-managed secret
              --secret-id=<secret_id>    Fetch user and password from this Secrets Manager secret
                           --iam-auth    Use an RDS IAM auth token as the password
                      --show-password    Print the password (never printed otherwise)
                    --target=<target>    Bastion: i-…, mi-…, tag:Key=Value, param:/name or ecs:<cluster>/<service>
                          --ephemeral    Start a Fargate bastion from --ecs-cluster/--ecs-service; stop it on exit
          --ecs-cluster=<ecs_cluster>    ECS cluster (with --ephemeral or for ecs targets)
          --ecs-service=<ecs_service>    ECS service (with --ephemeral or for ecs targets)
            --local-port=<local_port>    Local port (default: the remote port if free, else any; 0 = any)
                        --bind=<bind>    Local address to listen on (default 127.0.0.1)
          --unix-socket=<unix_socket>    Listen on this unix socket instead of TCP
                    --reason=<reason>    Audit reason passed to StartSession
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('ssh-proxy', () => {
    expect(usage('ssh-proxy')).toMatchInlineSnapshot(`
      "stdin/stdout session for ssh ProxyCommand (AWS-StartSSHSession) (ssm-tunnel ssh-proxy v0.0.0)

      USAGE ssm-tunnel ssh-proxy [OPTIONS] <TARGET> [PORT]

      ARGUMENTS

        TARGET    Target (%h): i-…, mi-…, tag:…, param:… (Required)
          PORT    Port on the target (%p) (Default: 22)

      OPTIONS

                --document=<document>    Session document (default AWS-StartSSHSession)
                    --reason=<reason>    Audit reason passed to StartSession
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                            --verbose    Progress on stderr

      "
    `);
  });

  it('ssh-config', () => {
    expect(usage('ssh-config')).toMatchInlineSnapshot(`
      "Print the ~/.ssh/config block for ssh i-… via ssh-proxy (ssm-tunnel ssh-config v0.0.0)

      USAGE ssm-tunnel ssh-config [OPTIONS]

      OPTIONS

        --profile=<profile>    Bake --profile into the ProxyCommand
          --region=<region>    Bake --region into the ProxyCommand
              --user=<user>    Add a User line (e.g. ec2-user)

      "
    `);
  });

  it('up', () => {
    expect(usage('up')).toMatchInlineSnapshot(`
      "Open named tunnels from ssm-tunnel.config.json (all when none named) (ssm-tunnel up v0.0.0)

      USAGE ssm-tunnel up [OPTIONS] [NAMES]

      ARGUMENTS

        NAMES    Tunnel names (default: all)

      OPTIONS

                    --config=<config>    Config file (default: ssm-tunnel.config.json here or above)
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('ls', () => {
    expect(usage('ls')).toMatchInlineSnapshot(`
      "List the named tunnels of ssm-tunnel.config.json (ssm-tunnel ls v0.0.0)

      USAGE ssm-tunnel ls [OPTIONS]

      OPTIONS

        --config=<config>    Config file (default: ssm-tunnel.config.json here or above)
                   --json    One JSON object per event line on stdout
              -q, --quiet    Only errors and results
                --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('status', () => {
    expect(usage('status')).toMatchInlineSnapshot(`
      "Show your active sessions and ephemeral bastions (ssm-tunnel status v0.0.0)

      USAGE ssm-tunnel status [OPTIONS]

      OPTIONS

                  --cluster=<cluster>    ECS clusters to look in, comma-separated (default: all)
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('stop', () => {
    expect(usage('stop')).toMatchInlineSnapshot(`
      "Terminate one of your sessions or stop an ephemeral bastion (ssm-tunnel stop v0.0.0)

      USAGE ssm-tunnel stop [OPTIONS] [ID]

      ARGUMENTS

        ID    Session id, or ephemeral task id/ARN

      OPTIONS

                                --all    Everything \`status\` shows
                  --cluster=<cluster>    ECS clusters to look in, comma-separated (default: all)
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('cleanup', () => {
    expect(usage('cleanup')).toMatchInlineSnapshot(`
      "Stop ephemeral bastions whose time is up (left by crashed runs) (ssm-tunnel cleanup v0.0.0)

      USAGE ssm-tunnel cleanup [OPTIONS]

      OPTIONS

                  --cluster=<cluster>    ECS clusters, comma-separated (default: all)
                               --mine    Only tasks you started
                            --dry-run    Only list what would be stopped
                                --all    Stop every ephemeral bastion, expired or not
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('doctor', () => {
    expect(usage('doctor')).toMatchInlineSnapshot(`
      "Check credentials, region, target, agent version, ECS Exec and ports (ssm-tunnel doctor v0.0.0)

      USAGE ssm-tunnel doctor [OPTIONS]

      OPTIONS

                    --target=<target>    Bastion: i-…, mi-…, tag:Key=Value, param:/name or ecs:<cluster>/<service>
                          --ephemeral    Start a Fargate bastion from --ecs-cluster/--ecs-service; stop it on exit
          --ecs-cluster=<ecs_cluster>    ECS cluster (with --ephemeral or for ecs targets)
          --ecs-service=<ecs_service>    ECS service (with --ephemeral or for ecs targets)
                        --port=<port>    Remote port you want to forward
                        --host=<host>    Remote host you want to reach (checks the agent version)
            --local-port=<local_port>    Local port to check (default: --port)
                  --profile=<profile>    AWS profile (default: AWS_PROFILE, then default)
                    --region=<region>    AWS region (default: AWS_REGION, then the profile)
                --role-arn=<role_arn>    Role to assume on top of the credentials
            --mfa-serial=<mfa_serial>    MFA device ARN for --role-arn
                --mfa-code=<mfa_code>    MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)
        --endpoint-url=<endpoint_url>    One endpoint for every AWS API (e.g. the emulator)
                               --json    One JSON object per event line on stdout
                          -q, --quiet    Only errors and results
                            --verbose    Every step, and connection open/close with bytes

      "
    `);
  });

  it('emulator', () => {
    expect(usage('emulator')).toMatchInlineSnapshot(`
      "Start the local Session Manager emulator to try every command offline (ssm-tunnel emulator v0.0.0)

      USAGE ssm-tunnel emulator [OPTIONS]

      OPTIONS

                                              --port=<port>    Port to listen on (default 4599; 0 = any free port)
                                              --host=<host>    Address to listen on (default 127.0.0.1)
                                            --world=<world>    World JSON file (default: the built-in world)
                                                     --pace    Pace agent output like the real agent
                                  --fault-drop=<fault_drop>    Drop data-channel frames with this probability (0-1)
                        --fault-duplicate=<fault_duplicate>    Duplicate frames with this probability (0-1)
                            --fault-reorder=<fault_reorder>    Reorder frames with this probability (0-1)
                          --fault-delay-ms=<fault_delay_ms>    Delay every frame by this many ms
            --fault-delay-jitter-ms=<fault_delay_jitter_ms>    Add a random 0..ms delay per frame (frames may overtake)
        --fault-kill-socket-every=<fault_kill_socket_every>    Kill data-channel sockets this often (ms)
              --agent-retransmission=<agent_retransmission>    Agent retransmission: faithful (default, like AWS) or fast
                                                     --json    One JSON object per event line on stdout

      "
    `);
  });

  it('--version', async () => {
    const result = await runCli(['--version']);
    expect(result.stdout).toBe('0.0.0\n');
  });
});
