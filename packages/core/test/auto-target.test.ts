import type { WorldInput } from '@ssmkit/emulator';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveTarget, type AwsContext, type TargetError } from '../src/index.js';
import { defaultWorld, fastEcsWorld, rejectionOf, startWorld } from './helpers.js';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const DB_HOST = 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com';
const READER_HOST = 'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function withWorld(world: WorldInput): Promise<AwsContext> {
  const started = await startWorld(world);
  close = started.close;
  return started.context;
}

function instance(instanceId: string, tags: Record<string, string>, vpcId = VPC) {
  return { instanceId, tags, vpcId, subnetId: 'subnet-0a1b2c3d4e5f60001' };
}

describe('automatic discovery', () => {
  test('RDS instance host → VPC → the bastion in it', async () => {
    const aws = await withWorld(defaultWorld());
    const resolved = await resolveTarget(aws, { auto: { host: DB_HOST, port: 5432 } });
    expect(resolved).toMatchObject({
      target: 'i-0123456789abcdef0',
      source: 'auto',
      kind: 'ec2-instance',
    });
    expect(resolved.description).toContain('demo-db');
    expect(resolved.tried.join('\n')).toContain(VPC);
  });

  test('an Aurora reader endpoint also works', async () => {
    const aws = await withWorld(defaultWorld());
    await expect(resolveTarget(aws, { auto: { host: READER_HOST } })).resolves.toMatchObject({
      target: 'i-0123456789abcdef0',
    });
  });

  test('prefers the ssmkit:bastion tag, then a Name containing "bastion", over other instances', async () => {
    const world = defaultWorld();
    world.instances = [
      instance('i-0aaaaaaaaaaaaaaa1', { Name: 'app-server' }),
      instance('i-0aaaaaaaaaaaaaaa2', { Name: 'Bastion-host' }),
      instance('i-0aaaaaaaaaaaaaaa3', { Name: 'jump', 'ssmkit:bastion': 'true' }),
      instance('i-0aaaaaaaaaaaaaaa4', { Name: 'bastion' }, 'vpc-0ffffffffffffffff'),
    ];
    const aws = await withWorld(world);
    await expect(resolveTarget(aws, { auto: { host: DB_HOST } })).resolves.toMatchObject({
      target: 'i-0aaaaaaaaaaaaaaa3',
    });
    world.instances.splice(2, 1);
    await close?.();
    const again = await withWorld(world);
    await expect(resolveTarget(again, { auto: { host: DB_HOST } })).resolves.toMatchObject({
      target: 'i-0aaaaaaaaaaaaaaa2',
    });
  });

  test('nothing fits: ERR_TARGET_NOT_FOUND explains every step', async () => {
    const world = defaultWorld();
    world.instances = [
      { ...instance('i-0aaaaaaaaaaaaaaa1', { Name: 'bastion' }), ssmOnline: false },
      instance('i-0aaaaaaaaaaaaaaa4', { Name: 'bastion' }, 'vpc-0ffffffffffffffff'),
    ];
    const aws = await withWorld(world);
    const error = (await rejectionOf(
      resolveTarget(aws, { auto: { host: DB_HOST } }),
    )) as TargetError;
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
    expect(error.tried).toHaveLength(3);
    expect(error.tried[0]).toContain('instance demo-db');
    expect(error.tried[1]).toContain('i-0aaaaaaaaaaaaaaa1 (Name=bastion, ConnectionLost)');
    expect(error.tried[2]).toContain('ephemeral: true');
    expect(error.message).toContain(`no SSM-online EC2 instance in ${VPC}`);
  });

  test('a host that is not an RDS endpoint: ERR_TARGET_NOT_FOUND suggesting vpcId', async () => {
    const aws = await withWorld(defaultWorld());
    const error = (await rejectionOf(
      resolveTarget(aws, { auto: { host: 'cache.internal' } }),
    )) as TargetError;
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
    expect(error.message).toContain('`vpcId`');
    await expect(
      resolveTarget(aws, { auto: { host: 'cache.internal', vpcId: VPC } }),
    ).resolves.toMatchObject({
      target: 'i-0123456789abcdef0',
    });
  });

  test('no online instance, ephemeral enabled: an ephemeral task from the ECS service in the VPC', async () => {
    const world = fastEcsWorld();
    world.instances = [];
    const aws = await withWorld(world);
    const resolved = await resolveTarget(aws, {
      auto: { host: DB_HOST, ephemeral: { pollIntervalMs: 20 } },
    });
    expect(resolved.source).toBe('auto');
    expect(resolved.kind).toBe('ecs-task');
    expect(resolved.ephemeral?.cluster).toBe('demo');
    expect(resolved.tried.join('\n')).toContain('using service bastion of cluster demo');
    await resolved.ephemeral!.stop();
  });

  test('ephemeral enabled but no ECS service in the VPC: the error lists the clusters searched', async () => {
    const world = defaultWorld();
    world.instances = [];
    world.ecs!.clusters![0]!.services![0]!.networkConfiguration = undefined;
    world.ecs!.taskDefinitions![0]!.networkMode = 'bridge';
    const aws = await withWorld(world);
    const error = (await rejectionOf(
      resolveTarget(aws, { auto: { host: DB_HOST, ephemeral: true } }),
    )) as TargetError;
    expect(error.code).toBe('ERR_TARGET_NOT_FOUND');
    expect(error.message).toContain('no awsvpc ECS service');
    expect(error.tried.join('\n')).toContain('cluster demo');
  });
});
