import { defaultWorldInput, startEmulator, type Emulator, type WorldInput } from '@ssmkit/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASTION, cliEnv, runCli, startTestWorld, type TestWorld } from './helpers.js';

let world: TestWorld;
/** The default world plus a bastion with an old agent and an ECS service without ECS Exec. */
let broken: Emulator;
const OLD_BASTION = 'i-0aaaaaaaaaaaaaaa1';

function brokenWorld(): WorldInput {
  const base = structuredClone(defaultWorldInput);
  const [instance] = base.instances!;
  const [cluster] = base.ecs!.clusters!;
  const [service] = cluster!.services!;
  const [definition] = base.ecs!.taskDefinitions!;
  const { taskRoleArn: _none, ...withoutRole } = definition!;
  return {
    ...base,
    instances: [
      ...base.instances!,
      {
        ...instance!,
        instanceId: OLD_BASTION,
        tags: { Name: 'old-bastion' },
        agentVersion: '3.1.1000.0',
      },
    ],
    ecs: {
      ...base.ecs!,
      clusters: [
        {
          ...cluster!,
          services: [
            ...cluster!.services!,
            {
              ...service!,
              serviceName: 'noexec',
              enableExecuteCommand: false,
              taskDefinition: 'norole:1',
            },
          ],
        },
      ],
      taskDefinitions: [...base.ecs!.taskDefinitions!, { ...withoutRole, family: 'norole' }],
    },
  };
}

beforeAll(async () => {
  world = await startTestWorld();
  broken = await startEmulator({ port: 0, world: brokenWorld() });
});

afterAll(async () => {
  await world?.close();
  await broken?.close();
});

describe('doctor', () => {
  it('checks an EC2 bastion', async () => {
    const result = await runCli(
      [
        'doctor',
        '--target',
        BASTION,
        '--host',
        'db.internal',
        '--port',
        '5432',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "✓ Region: us-east-1
      ✓ Credentials: arn:aws:iam::000000000000:user/test (account 000000000000)
      ✓ Target: EC2 i-0123456789abcdef0 (ip-10-0-1-10.ec2.internal)
      ✓ SSM agent: 3.3.1142.0 (remote-host forwarding supported)
      "
    `);
    expect(result.stderr).toBe('All checks passed.\n');
  });

  it('checks ECS Exec and the task role of an ECS service', async () => {
    const result = await runCli(
      [
        'doctor',
        '--ecs-cluster',
        'demo',
        '--ecs-service',
        'bastion',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout.replace(/ecs:demo_\S+/, 'ecs:demo_TASK')).toMatchInlineSnapshot(`
      "✓ Region: us-east-1
      ✓ Credentials: arn:aws:iam::000000000000:user/test (account 000000000000)
      ✓ Target: ECS task ecs:demo_TASK (container bastion)
      ✓ ECS Exec: enableExecuteCommand is on for bastion
      ✓ Task role: arn:aws:iam::000000000000:role/demo-bastion-task (needs the ssmmessages:* actions)
      "
    `);
  });

  it('prints each failure with its fix and exits 1', async () => {
    const result = await runCli(['doctor', '--target', BASTION, '--endpoint-url', world.endpoint], {
      env: { ...world.env, AWS_SECRET_ACCESS_KEY: 'wrong' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ Credentials: ERR_AWS_\w+: .*\n {4}fix: /);
    expect(result.stderr).toBe('1 check failed.\n');
  });

  it('--json gives findings and a summary', async () => {
    const result = await runCli(['doctor', '--json', '--endpoint-url', world.endpoint], {
      env: world.env,
    });
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; check?: string; status?: string });
    expect(events.map((event) => [event.type, event.check, event.status])).toEqual([
      ['finding', 'Region', 'ok'],
      ['finding', 'Credentials', 'ok'],
      ['finding', 'Target', 'warn'],
      ['summary', undefined, undefined],
    ]);
  });

  it('gates remote-host forwarding on agent 3.1.1374.0: a failure with --host, else a warning', async () => {
    const withHost = await runCli(
      [
        'doctor',
        '--target',
        OLD_BASTION,
        '--host',
        'db.internal',
        '--port',
        '5432',
        '--local-port',
        '0',
        '--endpoint-url',
        broken.endpoint,
      ],
      { env: cliEnv() },
    );
    expect(withHost.code).toBe(1);
    expect(withHost.stdout).toContain(
      `✗ SSM agent: 3.1.1000.0: forwarding to a remote host needs 3.1.1374.0+\n    fix: Update the agent: aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=${OLD_BASTION}\n`,
    );
    expect(withHost.stderr).toBe('1 check failed.\n');
    const withoutHost = await runCli(
      ['doctor', '--target', OLD_BASTION, '--endpoint-url', broken.endpoint],
      { env: cliEnv() },
    );
    expect(withoutHost.code).toBe(0);
    expect(withoutHost.stdout).toContain(
      '! SSM agent: 3.1.1000.0: forwarding to a remote host needs',
    );
    expect(withoutHost.stderr).toBe('All checks passed.\n');
  });

  it('checks ECS Exec and the task role even when the service cannot be a target', async () => {
    const result = await runCli(
      [
        'doctor',
        '--ecs-cluster',
        'demo',
        '--ecs-service',
        'noexec',
        '--endpoint-url',
        broken.endpoint,
      ],
      { env: cliEnv() },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ Target: ERR_TARGET_EXEC_DISABLED: /);
    expect(result.stdout).toContain(
      '✗ ECS Exec: enableExecuteCommand is off for noexec\n    fix: aws ecs update-service --cluster demo --service noexec --enable-execute-command --force-new-deployment\n',
    );
    expect(result.stdout).toMatch(
      /✗ Task role: \S*norole:1 has no task role\n {4}fix: Add a task role allowing ssmmessages:/,
    );
    expect(result.stderr).toBe('3 checks failed.\n');
  });
});
