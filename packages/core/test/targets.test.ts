import type { WorldInput } from '@ssmkit/emulator';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type ConfigError,
  parseEcsTarget,
  resolveTarget,
  TargetError,
  type AwsContext,
  type TargetProgressEvent,
} from '../src/index.js';
import { defaultWorld, rejectionOf, startWorld } from './helpers.js';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const BASTION = 'i-0123456789abcdef0';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function withWorld(change?: (world: WorldInput) => void): Promise<AwsContext> {
  const world = defaultWorld();
  change?.(world);
  const started = await startWorld(world);
  close = started.close;
  return started.context;
}

function instance(instanceId: string, tags: Record<string, string>, extra: object = {}) {
  return { instanceId, tags, vpcId: VPC, subnetId: 'subnet-0a1b2c3d4e5f60001', ...extra };
}

describe('explicit ids', () => {
  test('an online EC2 instance id resolves with its agent version', async () => {
    const aws = await withWorld();
    const resolved = await resolveTarget(aws, BASTION);
    expect(resolved).toMatchObject({
      target: BASTION,
      kind: 'ec2-instance',
      source: 'explicit',
      agentVersion: '3.3.1142.0',
    });
  });

  test('an offline instance: ERR_TARGET_OFFLINE', async () => {
    const aws = await withWorld((world) => {
      world.instances![0]!.ssmOnline = false;
    });
    const error = await rejectionOf(resolveTarget(aws, BASTION));
    expect(error.code).toBe('ERR_TARGET_OFFLINE');
    expect(error.message).toContain('ConnectionLost');
  });

  test('an id SSM does not know: ERR_TARGET_OFFLINE (not registered)', async () => {
    const aws = await withWorld();
    const error = await rejectionOf(resolveTarget(aws, 'i-0fffffffffffffff0'));
    expect(error.code).toBe('ERR_TARGET_OFFLINE');
    expect(error.message).toMatch(/not registered/);
  });

  test('verify: false skips the SSM lookup', async () => {
    const aws = await withWorld();
    await expect(
      resolveTarget(aws, 'i-0fffffffffffffff0', { verify: false }),
    ).resolves.toMatchObject({
      target: 'i-0fffffffffffffff0',
    });
  });

  test('a hybrid managed instance id', async () => {
    const aws = await withWorld((world) => {
      world.instances!.push({ instanceId: 'mi-0123456789abcdef0', tags: {} });
    });
    await expect(resolveTarget(aws, 'mi-0123456789abcdef0')).resolves.toMatchObject({
      kind: 'managed-instance',
    });
  });

  test('an ecs: target is taken as given', async () => {
    const aws = await withWorld();
    const target =
      'ecs:my_cluster_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-1234567890';
    await expect(resolveTarget(aws, target)).resolves.toMatchObject({ target, kind: 'ecs-task' });
    expect(parseEcsTarget(target)).toEqual({
      cluster: 'my_cluster',
      taskId: '0123456789abcdef0123456789abcdef',
      runtimeId: '0123456789abcdef0123456789abcdef-1234567890',
    });
  });

  test('anything else: ERR_TARGET_INVALID', async () => {
    const aws = await withWorld();
    const error = await rejectionOf(resolveTarget(aws, 'bastion'));
    expect(error.code).toBe('ERR_TARGET_INVALID');
    expect(TargetError.isInstance(error)).toBe(true);
  });

  test('without ssm:DescribeInstanceInformation the id is used unverified', async () => {
    const aws = await withWorld((world) => {
      world.permissions = [
        {
          principal: 'arn:aws:iam::000000000000:user/test',
          allow: [{ actions: ['ssm:StartSession'] }],
        },
      ];
    });
    await expect(resolveTarget(aws, BASTION)).resolves.toMatchObject({
      target: BASTION,
      description: expect.stringContaining('not verified') as unknown,
    });
  });
});

describe('EC2 by tag or Name', () => {
  test('{ tag: { Name: "bastion" } } finds the default bastion', async () => {
    const aws = await withWorld();
    const events: TargetProgressEvent[] = [];
    const resolved = await resolveTarget(
      aws,
      { tag: { Name: 'bastion' } },
      { onProgress: (event) => events.push(event) },
    );
    expect(resolved).toMatchObject({ target: BASTION, source: 'tag', agentVersion: '3.3.1142.0' });
    expect(events.map((event) => event.type)).toEqual(['lookup', 'target-resolved']);
  });

  test('{ name } with a wildcard, skipping offline and stopped instances', async () => {
    const aws = await withWorld((world) => {
      world.instances!.push(
        instance('i-0aaaaaaaaaaaaaaa1', { Name: 'bastion-old' }, { ssmOnline: false }),
        instance('i-0aaaaaaaaaaaaaaa2', { Name: 'bastion-stopped' }, { state: 'stopped' }),
      );
    });
    await expect(resolveTarget(aws, { name: 'bast*' })).resolves.toMatchObject({ target: BASTION });
  });

  test('several online matches: ERR_TARGET_AMBIGUOUS lists them; multiple: "first" picks one', async () => {
    const aws = await withWorld((world) => {
      world.instances!.push(instance('i-0bbbbbbbbbbbbbbb1', { Name: 'bastion' }));
    });
    const error = (await rejectionOf(
      resolveTarget(aws, { tag: { Name: 'bastion' } }),
    )) as TargetError;
    expect(error.code).toBe('ERR_TARGET_AMBIGUOUS');
    expect(error.candidates).toEqual([BASTION, 'i-0bbbbbbbbbbbbbbb1']);
    expect(error.message).toContain("multiple: 'first'");
    await expect(
      resolveTarget(aws, { tag: { Name: 'bastion' }, multiple: 'first' }),
    ).resolves.toMatchObject({
      target: BASTION,
    });
  });

  test('no match: ERR_TARGET_NOT_FOUND', async () => {
    const aws = await withWorld();
    const error = (await rejectionOf(resolveTarget(aws, { tag: { Role: 'jump' } }))) as TargetError;
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
    expect(error.message).toContain('Role=jump');
    expect(error.tried).toHaveLength(1);
  });

  test('matches that are all offline: ERR_TARGET_OFFLINE', async () => {
    const aws = await withWorld((world) => {
      world.instances![0]!.ssmOnline = false;
    });
    const error = (await rejectionOf(resolveTarget(aws, { name: 'bastion' }))) as TargetError;
    expect(error.code).toBe('ERR_TARGET_OFFLINE');
    expect(error.candidates).toEqual([BASTION]);
  });
});

describe('SSM parameter', () => {
  test('a parameter holding an instance id', async () => {
    const aws = await withWorld();
    await expect(
      resolveTarget(aws, { parameter: '/demo/bastion/instance-id' }),
    ).resolves.toMatchObject({
      target: BASTION,
      source: 'parameter',
    });
  });

  test('a missing parameter: ERR_TARGET_NOT_FOUND', async () => {
    const aws = await withWorld();
    const error = await rejectionOf(
      resolveTarget(aws, { parameter: '/prod/portforward/ssminstanceid' }),
    );
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
    expect(error.message).toContain('/prod/portforward/ssminstanceid');
  });

  test('a parameter that holds no target: ERR_TARGET_INVALID', async () => {
    const aws = await withWorld((world) => {
      world.parameters!.push({ name: '/demo/garbage', value: 'hello' });
    });
    const error = await rejectionOf(resolveTarget(aws, { parameter: '/demo/garbage' }));
    expect(error.code).toBe('ERR_TARGET_INVALID');
    expect(error.message).not.toContain('hello');
  });
});

describe('ECS service task', () => {
  test('a running task of a service with ECS Exec', async () => {
    const aws = await withWorld();
    const resolved = await resolveTarget(aws, { ecs: { cluster: 'demo', service: 'bastion' } });
    expect(resolved.kind).toBe('ecs-task');
    expect(resolved.source).toBe('ecs-service');
    const parts = parseEcsTarget(resolved.target);
    expect(parts.cluster).toBe('demo');
    expect(parts.runtimeId.startsWith(parts.taskId)).toBe(true);
  });

  test('a container chosen by name; an unknown container: ERR_TARGET_NOT_FOUND', async () => {
    const aws = await withWorld();
    await expect(
      resolveTarget(aws, { ecs: { cluster: 'demo', service: 'bastion', container: 'bastion' } }),
    ).resolves.toMatchObject({ kind: 'ecs-task' });
    const error = await rejectionOf(
      resolveTarget(aws, { ecs: { cluster: 'demo', service: 'bastion', container: 'sidecar' } }),
    );
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
  });

  test('ECS Exec disabled: ERR_TARGET_EXEC_DISABLED with the fix', async () => {
    const aws = await withWorld((world) => {
      world.ecs!.clusters![0]!.services![0]!.enableExecuteCommand = false;
    });
    const error = await rejectionOf(
      resolveTarget(aws, { ecs: { cluster: 'demo', service: 'bastion' } }),
    );
    expect(error.code).toBe('ERR_TARGET_EXEC_DISABLED');
    expect(error.message).toContain('--enable-execute-command');
  });

  test('no running task: ERR_TARGET_NOT_FOUND', async () => {
    const aws = await withWorld((world) => {
      world.ecs!.clusters![0]!.services![0]!.desiredCount = 0;
    });
    const error = await rejectionOf(
      resolveTarget(aws, { ecs: { cluster: 'demo', service: 'bastion' } }),
    );
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
    expect(error.message).toContain('ephemeral');
  });

  test('an invalid spec: ERR_CONFIG_INVALID_OPTION', async () => {
    const aws = await withWorld();
    const error = await rejectionOf(resolveTarget(aws, { ecs: { cluster: 'demo' } }));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
  });
});

describe('abort', () => {
  test('an aborted signal: ERR_TARGET_ABORTED before any call', async () => {
    const aws = await withWorld();
    const controller = new AbortController();
    controller.abort(new Error('user pressed ^C'));
    const error = await rejectionOf(resolveTarget(aws, BASTION, { signal: controller.signal }));
    expect(error.code).toBe('ERR_TARGET_ABORTED');
    expect((error.cause as Error).message).toBe('user pressed ^C');
  });
});

describe('spec validation', () => {
  test.each([
    [{ tag: {} }, 'tag'],
    [{ name: '' }, 'name'],
    [{ ecs: { cluster: 'demo', service: 'x', extra: 1 } }, 'ecs'],
    [{ ephemeral: { cluster: 'demo', service: 'x', subnets: ['nope'] } }, 'ephemeral.subnets.0'],
    [{ auto: { host: 'db', vpcId: 'x' } }, 'auto.vpcId'],
    [{ bastion: 'i-0123456789abcdef0' }, 'target'],
  ])('%o: ERR_CONFIG_INVALID_OPTION naming %s', async (spec, path) => {
    const aws = await withWorld();
    const error = (await rejectionOf(resolveTarget(aws, spec as never))) as ConfigError;
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect(error.options.some((option) => option.startsWith(path))).toBe(true);
  });
});
