import { describe, expect, test } from 'vitest';
import { bastionRank, matchesTagValue, type InstanceCandidate } from './ec2-instances.js';
import { formatEcsTarget, nameFromArn, parseEcsTarget, targetKindOf } from './target-id.js';

describe('targetKindOf', () => {
  test.each([
    ['i-0123456789abcdef0', 'ec2-instance'],
    ['i-01234567', 'ec2-instance'],
    ['mi-0123456789abcdef0', 'managed-instance'],
    [
      'ecs:demo_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-3524321',
      'ecs-task',
    ],
    ['ecs:my_cluster_with_underscores_abc_abc-1', 'ecs-task'],
    ['i-xyz', undefined],
    ['I-0123456789ABCDEF0', undefined],
    ['mi-0123', undefined],
    ['ecs:demo', undefined],
    ['ecs:demo_task_runtime;rm -rf', undefined],
    ['bastion', undefined],
    ['', undefined],
  ])('%s → %s', (target, kind) => {
    expect(targetKindOf(target)).toBe(kind);
  });
});

describe('ecs targets', () => {
  test('format and parse round-trip, cluster names may contain underscores', () => {
    const parts = { cluster: 'prod_eu', taskId: 'abc123', runtimeId: 'abc123-42' };
    expect(formatEcsTarget(parts)).toBe('ecs:prod_eu_abc123_abc123-42');
    expect(parseEcsTarget(formatEcsTarget(parts))).toEqual(parts);
  });

  test('parse rejects other strings with ERR_TARGET_INVALID', () => {
    expect(() => parseEcsTarget('i-0123456789abcdef0')).toThrow(
      expect.objectContaining({ code: 'ERR_TARGET_INVALID' }),
    );
  });

  test('nameFromArn', () => {
    expect(nameFromArn('arn:aws:ecs:us-east-1:000000000000:cluster/demo')).toBe('demo');
    expect(nameFromArn('arn:aws:ecs:us-east-1:000000000000:task/demo/abc')).toBe('abc');
    expect(nameFromArn('demo')).toBe('demo');
  });
});

describe('EC2 helpers', () => {
  test.each([
    ['bastion', 'bastion', true],
    ['bastion', 'bastion-2', false],
    ['bast*', 'bastion-2', true],
    ['*-prod', 'bastion-prod', true],
    ['b?stion', 'bastion', true],
    ['a.b', 'axb', false],
  ])('tag pattern %s vs %s → %s', (pattern, value, expected) => {
    expect(matchesTagValue(pattern, value)).toBe(expected);
  });

  test('bastionRank prefers the ssmkit:bastion tag, then the Name', () => {
    const candidate = (tags: Record<string, string>): InstanceCandidate => ({
      instanceId: 'i-0',
      name: tags.Name,
      tags,
      vpcId: undefined,
      pingStatus: 'Online',
      agentVersion: undefined,
      platformType: undefined,
    });
    expect(bastionRank(candidate({ 'ssmkit:bastion': 'true' }))).toBe(0);
    expect(bastionRank(candidate({ 'ssmkit:bastion': 'false', Name: 'x' }))).toBe(2);
    expect(bastionRank(candidate({ Name: 'Prod-Bastion' }))).toBe(1);
    expect(bastionRank(candidate({ Name: 'app' }))).toBe(2);
  });
});

describe('toEcsTagValue', () => {
  test('keeps allowed characters and replaces the rest', async () => {
    const { toEcsTagValue } = await import('./ephemeral-bastion.js');
    expect(toEcsTagValue('arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com')).toBe(
      'arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com',
    );
    expect(toEcsTagValue('2026-11-24T12:00:00.000Z')).toBe('2026-11-24T12:00:00.000Z');
    expect(toEcsTagValue('a,b;c')).toBe('a_b_c');
    expect(toEcsTagValue('x'.repeat(300))).toHaveLength(256);
  });
});
