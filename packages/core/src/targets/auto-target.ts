import type { Service } from '@aws-sdk/client-ecs';
import type { AwsContext } from '../aws/aws-context.js';
import { loadSdk } from '../aws/sdk.js';
import { listDatabases, type DatabaseEndpoint } from '../endpoints/rds.js';
import { TargetError } from '../errors/target-error.js';
import { callAws } from '../internal/call-aws.js';
import { awsLog } from '../internal/logger.js';
import { bastionRank, describeCandidate, findInstanceCandidates } from './ec2-instances.js';
import { emitProgress, listClusters, type EphemeralBastionSpec } from './ephemeral-bastion.js';
import type { ProgressListener } from './progress.js';
import { nameFromArn } from './target-id.js';

/** Automatic bastion discovery for a destination host (an RDS/Aurora endpoint). */
export interface AutoTargetSpec {
  /** The destination host, e.g. `mydb.cluster-abc.eu-west-1.rds.amazonaws.com`. */
  host: string;
  /** The destination port (informational). */
  port?: number;
  /** The VPC to search, when `host` is not an RDS endpoint (skips the RDS lookup). */
  vpcId?: string;
  /**
   * When no SSM-online instance is in the VPC, start an ephemeral ECS task from an ECS service
   * in that VPC. `true`, or the ephemeral options to use (cluster/service narrow the search).
   * Default `false`.
   */
  ephemeral?: boolean | Partial<EphemeralBastionSpec>;
}

/** What automatic discovery found. @internal */
export type AutoDiscovery =
  | {
      kind: 'instance';
      instanceId: string;
      agentVersion: string | undefined;
      description: string;
      vpcId: string;
      database: DatabaseEndpoint | undefined;
      tried: string[];
    }
  | {
      kind: 'ecs-service';
      cluster: string;
      service: string;
      description: string;
      vpcId: string;
      database: DatabaseEndpoint | undefined;
      tried: string[];
    };

/**
 * RDS host → database → VPC → an SSM-online EC2 instance in that VPC (preferring an
 * `ssmkit:bastion` tag, then a Name containing "bastion"), else (when `ephemeral` allows it)
 * an ECS service in that VPC to start an ephemeral bastion from.
 *
 * @throws {@link TargetError} `ERR_TARGET_NOT_FOUND` whose message and `tried` say what was
 * looked at.
 * @internal
 */
export async function discoverAutoTarget(
  context: AwsContext,
  spec: AutoTargetSpec,
  options: { onProgress?: ProgressListener; signal?: AbortSignal; elapsed: () => number },
): Promise<AutoDiscovery> {
  const { signal, onProgress, elapsed } = options;
  const tried: string[] = [];
  const notFound = (reason: string): TargetError =>
    new TargetError(
      'ERR_TARGET_NOT_FOUND',
      `No Session Manager target found automatically for ${spec.host}: ${reason}. Tried: ${tried.join('; ')}. Pass \`target\` explicitly ('i-…', { tag }, { parameter }, { ecs }, { ephemeral }).`,
      { tried },
    );

  let vpcId = spec.vpcId;
  let database: DatabaseEndpoint | undefined;
  if (vpcId === undefined) {
    emitProgress(onProgress, {
      type: 'lookup',
      elapsedMs: elapsed(),
      detail: `RDS endpoint ${spec.host}`,
    });
    const matches = await listDatabases(context, {
      host: spec.host,
      ...(signal ? { signal } : {}),
    });
    database = matches[0];
    if (database === undefined) {
      tried.push(`RDS: no DB instance or cluster in ${context.region} has endpoint ${spec.host}`);
      throw notFound(
        'the host is not an RDS/Aurora endpoint in this region (pass `vpcId` for other hosts)',
      );
    }
    const found = database;
    tried.push(
      `RDS: ${spec.host} is ${found.kind} ${found.identifier} in ${found.vpcId ?? 'an unknown VPC'}`,
    );
    if (found.vpcId === undefined)
      throw notFound(`the VPC of ${found.kind} ${found.identifier} is unknown`);
    vpcId = found.vpcId;
  }

  emitProgress(onProgress, {
    type: 'lookup',
    elapsedMs: elapsed(),
    detail: `SSM-online EC2 instances in ${vpcId}`,
  });
  const instances = await findInstanceCandidates(context, { vpcId }, signal);
  const online = instances.filter((candidate) => candidate.pingStatus === 'Online');
  tried.push(
    instances.length === 0
      ? `EC2: no running instance in ${vpcId}`
      : `EC2: ${instances.length} running instance(s) in ${vpcId}, ${online.length} online in SSM (${instances.map(describeCandidate).join(', ')})`,
  );
  if (online.length > 0) {
    const [best] = [...online].sort(
      (left, right) =>
        bastionRank(left) - bastionRank(right) || left.instanceId.localeCompare(right.instanceId),
    ) as [(typeof online)[number]];
    awsLog('auto: picked %s in %s', best.instanceId, vpcId);
    return {
      kind: 'instance',
      instanceId: best.instanceId,
      agentVersion: best.agentVersion,
      description: `EC2 ${describeCandidate(best)} in ${vpcId}${database ? `, next to ${database.kind} ${database.identifier}` : ''}`,
      vpcId,
      database,
      tried,
    };
  }

  if (spec.ephemeral === undefined || spec.ephemeral === false) {
    tried.push(
      'ECS: ephemeral bastions not enabled (pass `ephemeral: true` to start one from an ECS service in the VPC)',
    );
    throw notFound(`no SSM-online EC2 instance in ${vpcId}`);
  }
  const ephemeral = spec.ephemeral === true ? {} : spec.ephemeral;
  emitProgress(onProgress, {
    type: 'lookup',
    elapsedMs: elapsed(),
    detail: `ECS services in ${vpcId}`,
  });
  const clusters =
    ephemeral.cluster !== undefined ? [ephemeral.cluster] : await listClusters(context, signal);
  const subnetVpc = new Map<string, string | undefined>();
  const candidates: { cluster: string; service: Service }[] = [];
  for (const cluster of clusters) {
    const services = await describeClusterServices(context, cluster, ephemeral.service, signal);
    const subnets = services.flatMap(
      (service) => service.networkConfiguration?.awsvpcConfiguration?.subnets ?? [],
    );
    await resolveSubnetVpcs(context, subnets, subnetVpc, signal);
    for (const service of services) {
      const serviceSubnets = service.networkConfiguration?.awsvpcConfiguration?.subnets ?? [];
      if (serviceSubnets.some((subnet) => subnetVpc.get(subnet) === vpcId)) {
        candidates.push({ cluster: nameFromArn(cluster), service });
      }
    }
    tried.push(`ECS: ${services.length} awsvpc service(s) in cluster ${nameFromArn(cluster)}`);
  }
  if (candidates.length === 0) {
    throw notFound(
      `no SSM-online EC2 instance and no awsvpc ECS service in ${vpcId} (searched ${clusters.length} cluster(s))`,
    );
  }
  const rank = (service: Service): number =>
    (service.tags ?? []).some((tag) => tag.key === 'ssmkit:bastion')
      ? 0
      : /bastion/i.test(service.serviceName ?? '')
        ? 1
        : 2;
  candidates.sort((left, right) => rank(left.service) - rank(right.service));
  const [chosen] = candidates as [{ cluster: string; service: Service }];
  const serviceName = chosen.service.serviceName ?? '';
  tried.push(
    `ECS: using service ${serviceName} of cluster ${chosen.cluster} for an ephemeral bastion`,
  );
  return {
    kind: 'ecs-service',
    cluster: chosen.cluster,
    service: serviceName,
    description: `ephemeral task of ECS service ${serviceName} (cluster ${chosen.cluster}) in ${vpcId}`,
    vpcId,
    database,
    tried,
  };
}

async function describeClusterServices(
  context: AwsContext,
  cluster: string,
  onlyService: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Service[]> {
  const { DescribeServicesCommand, ListServicesCommand } = await loadSdk('ecs');
  const ecs = await context.client('ecs');
  let names: string[] = [];
  if (onlyService !== undefined) {
    names = [onlyService];
  } else {
    let nextToken: string | undefined;
    for (let page = 0; page < 50; page++) {
      const output = await callAws('ecs:ListServices', () =>
        ecs.send(new ListServicesCommand({ cluster, nextToken }), { abortSignal: signal }),
      );
      names.push(...(output.serviceArns ?? []));
      nextToken = output.nextToken;
      if (!nextToken) break;
    }
  }
  const services: Service[] = [];
  for (let start = 0; start < names.length; start += 10) {
    const output = await callAws('ecs:DescribeServices', () =>
      ecs.send(
        new DescribeServicesCommand({
          cluster,
          services: names.slice(start, start + 10),
          include: ['TAGS'],
        }),
        { abortSignal: signal },
      ),
    );
    services.push(
      ...(output.services ?? []).filter(
        (service) =>
          service.status === 'ACTIVE' &&
          service.networkConfiguration?.awsvpcConfiguration?.subnets?.length,
      ),
    );
  }
  return services;
}

async function resolveSubnetVpcs(
  context: AwsContext,
  subnets: string[],
  known: Map<string, string | undefined>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const unknown = [...new Set(subnets)].filter((subnet) => !known.has(subnet));
  if (unknown.length === 0) return;
  const { DescribeSubnetsCommand } = await loadSdk('ec2');
  const ec2 = await context.client('ec2');
  for (let start = 0; start < unknown.length; start += 200) {
    const chunk = unknown.slice(start, start + 200);
    const output = await callAws('ec2:DescribeSubnets', () =>
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: chunk }), { abortSignal: signal }),
    );
    for (const subnet of chunk) known.set(subnet, undefined);
    for (const subnet of output.Subnets ?? []) {
      if (subnet.SubnetId !== undefined) known.set(subnet.SubnetId, subnet.VpcId);
    }
  }
}
