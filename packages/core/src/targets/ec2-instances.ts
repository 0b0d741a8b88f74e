import type { Filter, Instance } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, type InstanceInformation } from '@aws-sdk/client-ssm';
import type { AwsContext } from '../aws/aws-context.js';
import { loadSdk } from '../aws/sdk.js';
import { callAws } from '../internal/call-aws.js';

/** A running EC2 instance joined with its Session Manager registration. @internal */
export interface InstanceCandidate {
  instanceId: string;
  name: string | undefined;
  tags: Record<string, string>;
  vpcId: string | undefined;
  /** `Online`, `ConnectionLost`, `Inactive`, or `NotRegistered` when SSM does not know it. */
  pingStatus: string;
  agentVersion: string | undefined;
  platformType: string | undefined;
}

const MAX_PAGES = 50;

function tagsOf(instance: Instance): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

/** EC2 tag-filter semantics: `*` matches any run of characters, `?` one character. @internal */
export function matchesTagValue(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const source = pattern
    .split('')
    .map((character) =>
      character === '*'
        ? '.*'
        : character === '?'
          ? '.'
          : character.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`).test(value);
}

/**
 * Running EC2 instances matching `filters` (EC2 filter syntax), with their SSM ping status.
 * Filters are also applied client-side for tags, VPC and state.
 * @internal
 */
export async function findInstanceCandidates(
  context: AwsContext,
  selector: { tags?: Record<string, string>; vpcId?: string },
  signal?: AbortSignal,
): Promise<InstanceCandidate[]> {
  const filters: Filter[] = [{ Name: 'instance-state-name', Values: ['running'] }];
  for (const [key, value] of Object.entries(selector.tags ?? {})) {
    filters.push({ Name: `tag:${key}`, Values: [value] });
  }
  if (selector.vpcId !== undefined) filters.push({ Name: 'vpc-id', Values: [selector.vpcId] });

  const { DescribeInstancesCommand } = await loadSdk('ec2');
  const ec2 = await context.client('ec2');
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const output = await callAws('ec2:DescribeInstances', () =>
      ec2.send(new DescribeInstancesCommand({ Filters: filters, NextToken: nextToken }), {
        abortSignal: signal,
      }),
    );
    for (const reservation of output.Reservations ?? [])
      instances.push(...(reservation.Instances ?? []));
    nextToken = output.NextToken;
    if (!nextToken) break;
  }
  const matching = instances.filter((instance) => {
    if (instance.InstanceId === undefined) return false;
    if (instance.State?.Name !== undefined && instance.State.Name !== 'running') return false;
    if (selector.vpcId !== undefined && instance.VpcId !== selector.vpcId) return false;
    const tags = tagsOf(instance);
    return Object.entries(selector.tags ?? {}).every(
      ([key, pattern]) => tags[key] !== undefined && matchesTagValue(pattern, tags[key]),
    );
  });
  const information = await describeInstanceInformation(
    context,
    matching.map((instance) => instance.InstanceId ?? ''),
    signal,
  );
  return matching
    .map((instance): InstanceCandidate => {
      const instanceId = instance.InstanceId ?? '';
      const info = information.get(instanceId);
      const tags = tagsOf(instance);
      return {
        instanceId,
        name: tags.Name,
        tags,
        vpcId: instance.VpcId,
        pingStatus: info?.PingStatus ?? 'NotRegistered',
        agentVersion: info?.AgentVersion,
        platformType: info?.PlatformType,
      };
    })
    .sort((left, right) => left.instanceId.localeCompare(right.instanceId));
}

/**
 * SSM registration of each instance id (absent from the map when not registered).
 * @internal
 */
export async function describeInstanceInformation(
  context: AwsContext,
  instanceIds: string[],
  signal?: AbortSignal,
): Promise<Map<string, InstanceInformation>> {
  const result = new Map<string, InstanceInformation>();
  for (let start = 0; start < instanceIds.length; start += 50) {
    const chunk = instanceIds.slice(start, start + 50);
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await callAws('ssm:DescribeInstanceInformation', () =>
        context.ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: chunk }],
            NextToken: nextToken,
          }),
          { abortSignal: signal },
        ),
      );
      for (const info of output.InstanceInformationList ?? []) {
        if (info.InstanceId !== undefined && chunk.includes(info.InstanceId)) {
          result.set(info.InstanceId, info);
        }
      }
      nextToken = output.NextToken;
      if (!nextToken) break;
    }
  }
  return result;
}

/** One line per candidate for error messages: `i-… (Name=bastion, ConnectionLost)`. @internal */
export function describeCandidate(candidate: InstanceCandidate): string {
  return `${candidate.instanceId} (${candidate.name === undefined ? 'no Name' : `Name=${candidate.name}`}, ${candidate.pingStatus})`;
}

/**
 * Rank instances as bastions: `ssmkit:bastion` tag first, then a Name containing "bastion",
 * then the rest; ties by instance id. @internal
 */
export function bastionRank(candidate: InstanceCandidate): number {
  if (
    candidate.tags['ssmkit:bastion'] !== undefined &&
    candidate.tags['ssmkit:bastion'] !== 'false'
  )
    return 0;
  if (/bastion/i.test(candidate.name ?? '')) return 1;
  return 2;
}
