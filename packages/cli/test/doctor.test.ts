import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASTION, runCli, startTestWorld, type TestWorld } from './helpers.js';

let world: TestWorld;

beforeAll(async () => {
  world = await startTestWorld();
});

afterAll(async () => {
  await world?.close();
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
});
