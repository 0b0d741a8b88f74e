import net from 'node:net';
import { defineCommand } from 'citty';
import { resolveTarget, type AwsContext } from '@ssmkit/core';
import { SsmError } from '@ssmkit/protocol';
import { createCliContext } from '../internal/aws.js';
import { setExitCode, useRuntime } from '../internal/cli-runtime.js';
import { parsePort, targetArgs } from '../internal/command-helpers.js';
import { ExitCode } from '../internal/exit-codes.js';
import { hintFor } from '../internal/hints.js';
import { awsArgs, outputArgs } from '../internal/global-args.js';
import { sendEcs, sendSsm } from '../internal/sdk.js';
import { parseTargetFlag } from '../internal/target-spec.js';

/** Remote-host port forwarding (AWS-StartPortForwardingSessionToRemoteHost) needs this agent. */
export const REMOTE_HOST_MIN_AGENT = '3.1.1374.0';

/** One finding. */
interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** Compares dotted versions numerically. */
export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

function failure(check: string, error: unknown): Finding {
  if (SsmError.isInstance(error)) {
    const hint = hintFor(error.code);
    return {
      check,
      status: 'fail',
      detail: `${error.code}: ${error.message}`,
      ...(hint === undefined ? {} : { fix: hint }),
    };
  }
  return { check, status: 'fail', detail: error instanceof Error ? error.message : String(error) };
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function checkEcsService(
  context: AwsContext,
  cluster: string | undefined,
  service: string | undefined,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (cluster === undefined || service === undefined) return findings;
  try {
    const described = await sendEcs<{
      services?: { enableExecuteCommand?: boolean; taskDefinition?: string }[];
    }>(context, 'DescribeServicesCommand', { cluster, services: [service] });
    const found = described.services?.[0];
    if (found === undefined) {
      findings.push({
        check: 'ECS service',
        status: 'fail',
        detail: `${cluster}/${service} not found`,
        fix: 'Check --ecs-cluster/--ecs-service.',
      });
      return findings;
    }
    findings.push(
      found.enableExecuteCommand === true
        ? { check: 'ECS Exec', status: 'ok', detail: `enableExecuteCommand is on for ${service}` }
        : {
            check: 'ECS Exec',
            status: 'fail',
            detail: `enableExecuteCommand is off for ${service}`,
            fix: `aws ecs update-service --cluster ${cluster} --service ${service} --enable-execute-command --force-new-deployment`,
          },
    );
    if (found.taskDefinition !== undefined) {
      const definition = await sendEcs<{ taskDefinition?: { taskRoleArn?: string } }>(
        context,
        'DescribeTaskDefinitionCommand',
        { taskDefinition: found.taskDefinition },
      );
      const role = definition.taskDefinition?.taskRoleArn;
      findings.push(
        role === undefined
          ? {
              check: 'Task role',
              status: 'fail',
              detail: `${found.taskDefinition} has no task role`,
              fix: 'Add a task role allowing ssmmessages:CreateControlChannel/CreateDataChannel/OpenControlChannel/OpenDataChannel.',
            }
          : {
              check: 'Task role',
              status: 'ok',
              detail: `${role} (needs the ssmmessages:* actions)`,
            },
      );
    }
  } catch (error) {
    findings.push(failure('ECS service', error));
  }
  return findings;
}

/** `ssm-tunnel doctor`: checks what a tunnel needs, each finding with its fix. */
export const doctorCommand = defineCommand({
  meta: {
    name: 'doctor',
    description: 'Check credentials, region, target, agent version, ECS Exec and ports',
  },
  args: {
    ...targetArgs,
    port: { type: 'string', description: 'Remote port you want to forward' },
    host: {
      type: 'string',
      description: 'Remote host you want to reach (checks the agent version)',
    },
    'local-port': { type: 'string', description: 'Local port to check (default: --port)' },
    ...awsArgs,
    ...outputArgs,
  },
  async run({ args }) {
    const runtime = useRuntime(args);
    const { output, prompter } = runtime;
    const findings: Finding[] = [];
    const report = (finding: Finding): void => {
      findings.push(finding);
      output.event({ type: 'finding', ...finding });
      const mark =
        finding.status === 'ok'
          ? output.style('green', '✓')
          : finding.status === 'warn'
            ? output.style('yellow', '!')
            : output.style('red', '✗');
      output.result(`${mark} ${finding.check}: ${finding.detail}`);
      if (finding.fix !== undefined) output.result(`    fix: ${finding.fix}`);
    };
    let context: AwsContext | undefined;
    try {
      try {
        context = await createCliContext(args, prompter, runtime.env);
        report({ check: 'Region', status: 'ok', detail: context.region });
      } catch (error) {
        report(failure('Region', error));
      }
      if (context !== undefined) {
        try {
          const identity = await context.callerIdentity();
          report({
            check: 'Credentials',
            status: 'ok',
            detail: `${identity.arn} (account ${identity.account})`,
          });
        } catch (error) {
          report(failure('Credentials', error));
          context.destroy();
          context = undefined;
        }
      }
      if (context !== undefined) {
        const spec =
          args['ecs-cluster'] !== undefined && args['ecs-service'] !== undefined
            ? { ecs: { cluster: args['ecs-cluster'], service: args['ecs-service'] } }
            : args.target === undefined
              ? undefined
              : parseTargetFlag(args.target);
        if (spec === undefined) {
          report({
            check: 'Target',
            status: 'warn',
            detail: 'not checked',
            fix: 'Pass --target <id> (or --ecs-cluster/--ecs-service) to check one.',
          });
        } else {
          try {
            const resolved = await resolveTarget(context, spec);
            report({ check: 'Target', status: 'ok', detail: `${resolved.description}` });
            let agentVersion = resolved.agentVersion;
            if (agentVersion === undefined && resolved.kind !== 'ecs-task') {
              const info = await sendSsm<{
                InstanceInformationList?: { AgentVersion?: string; PingStatus?: string }[];
              }>(context, 'DescribeInstanceInformationCommand', {
                Filters: [{ Key: 'InstanceIds', Values: [resolved.target] }],
              });
              agentVersion = info.InstanceInformationList?.[0]?.AgentVersion;
            }
            if (agentVersion !== undefined) {
              const tooOld = compareVersions(agentVersion, REMOTE_HOST_MIN_AGENT) < 0;
              report(
                tooOld
                  ? {
                      check: 'SSM agent',
                      status: args.host === undefined ? 'warn' : 'fail',
                      detail: `${agentVersion}: forwarding to a remote host needs ${REMOTE_HOST_MIN_AGENT}+`,
                      fix: `Update the agent: aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=${resolved.target}`,
                    }
                  : {
                      check: 'SSM agent',
                      status: 'ok',
                      detail: `${agentVersion} (remote-host forwarding supported)`,
                    },
              );
            }
          } catch (error) {
            report(failure('Target', error));
          }
          // Also when the target did not resolve: a service without ECS Exec is the usual cause.
          for (const finding of await checkEcsService(
            context,
            args['ecs-cluster'],
            args['ecs-service'],
          )) {
            report(finding);
          }
        }
      }
      const port = parsePort('--port', args.port);
      const localPort = parsePort('--local-port', args['local-port'], true) ?? port;
      if (localPort !== undefined && localPort !== 0) {
        const free = await portFree(localPort, '127.0.0.1');
        report(
          free
            ? { check: 'Local port', status: 'ok', detail: `127.0.0.1:${localPort} is free` }
            : {
                check: 'Local port',
                status: 'warn',
                detail: `127.0.0.1:${localPort} is in use`,
                fix: `Pass --local-port 0 (any free port) or another port; forward falls back to a free port by itself.`,
              },
        );
      }
      const failed = findings.filter((finding) => finding.status === 'fail').length;
      output.event({
        type: 'summary',
        failed,
        warnings: findings.filter((finding) => finding.status === 'warn').length,
      });
      output.info(
        failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`,
      );
      setExitCode(failed === 0 ? ExitCode.OK : ExitCode.ERROR);
    } finally {
      context?.destroy();
    }
  },
});
