/** EC2 (ec2Query: flattened `Name.N` lists, XML without a `…Result` wrapper, `item` members). */
import { createHash } from 'node:crypto';
import { AwsApiError } from '../server/aws-error.js';
import { queryFilters, queryStringList } from '../server/query-params.js';
import type { QueryParams } from '../server/query-params.js';
import { isoDate, xmlList } from '../server/xml.js';
import type { XmlObject } from '../server/xml.js';
import type { WorldInstance } from '../world/schema.js';
import { globMatch, isVisibleIn, paginate } from './context.js';
import type { QueryOperation, RequestContext } from './context.js';
import { authorize } from './permissions.js';

const STATE_CODES: Record<WorldInstance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

interface Filter {
  name: string;
  values: string[];
}

function readFilters(params: QueryParams): Filter[] {
  return queryFilters(params, 'Filter', 'Value');
}

function tagSet(tags: Record<string, string>): XmlObject[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** Applies EC2 filter semantics: AND across filters, OR across values, `*`/`?` wildcards. */
function matchesFilters(
  filters: Filter[],
  tags: Record<string, string>,
  fields: Record<string, string | undefined>,
): boolean {
  return filters.every(({ name, values }) => {
    const any = (candidate: string | undefined) =>
      candidate !== undefined && values.some((value) => globMatch(value, candidate));
    if (name.startsWith('tag:')) return any(tags[name.slice(4)]);
    if (name === 'tag-key') return Object.keys(tags).some((key) => any(key));
    if (name === 'tag-value') return Object.values(tags).some((value) => any(value));
    if (!(name in fields)) {
      throw new AwsApiError('InvalidParameterValue', `The filter '${name}' is invalid`, 400);
    }
    return any(fields[name]);
  });
}

function ec2Pagination(
  params: QueryParams,
  ids: string[],
): { maxResults?: number; nextToken?: string } {
  const maxText = params.get('MaxResults');
  const nextToken = params.get('NextToken');
  if (maxText === undefined) return nextToken === undefined ? {} : { nextToken };
  const maxResults = Number(maxText);
  if (ids.length > 0) {
    throw new AwsApiError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
      400,
    );
  }
  if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value ( ${maxText} ) for parameter maxResults is invalid. Expecting a value greater than 5.`,
      400,
    );
  }
  return nextToken === undefined ? { maxResults } : { maxResults, nextToken };
}

function instanceXml(context: RequestContext, instance: WorldInstance): XmlObject {
  const state = context.state;
  const subnet = state.world.subnets.find((candidate) => candidate.subnetId === instance.subnetId);
  const groups = instance.securityGroupIds.map((groupId) => ({
    groupId,
    groupName:
      state.world.securityGroups.find((group) => group.groupId === groupId)?.groupName ?? groupId,
  }));
  const privateDnsName = `ip-${instance.privateIpAddress.replace(/\./g, '-')}.ec2.internal`;
  return {
    instanceId: instance.instanceId,
    imageId: 'ami-0abcdef1234567890',
    instanceState: { code: STATE_CODES[instance.state], name: instance.state },
    privateDnsName,
    dnsName: '',
    reason: '',
    amiLaunchIndex: 0,
    productCodes: '',
    instanceType: instance.instanceType,
    launchTime: isoDate(Date.UTC(2026, 0, 1)),
    placement: {
      availabilityZone: subnet?.availabilityZone ?? `${context.region}a`,
      groupName: '',
      tenancy: 'default',
    },
    platform: instance.platformType === 'Windows' ? 'windows' : undefined,
    monitoring: { state: 'disabled' },
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    privateIpAddress: instance.privateIpAddress,
    sourceDestCheck: true,
    groupSet: xmlList('item', groups),
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: '',
    virtualizationType: 'hvm',
    tagSet: xmlList('item', tagSet(instance.tags)),
    hypervisor: 'xen',
    networkInterfaceSet: xmlList(
      'item',
      instance.subnetId === undefined
        ? []
        : [
            {
              networkInterfaceId: `eni-${createHash('sha256').update(instance.instanceId).digest('hex').slice(0, 17)}`,
              subnetId: instance.subnetId,
              vpcId: instance.vpcId,
              privateIpAddress: instance.privateIpAddress,
              privateDnsName,
              status: 'in-use',
              groupSet: xmlList('item', groups),
            },
          ],
    ),
    ebsOptimized: false,
    iamInstanceProfile: {
      arn: `arn:aws:iam::${context.identity.accountId}:instance-profile/AmazonSSMRoleForInstancesQuickSetup`,
      id: 'AIPAEMULATOR000000000',
    },
    platformDetails: instance.platformType === 'Windows' ? 'Windows' : 'Linux/UNIX',
    metadataOptions: {
      state: 'applied',
      httpTokens: 'required',
      httpPutResponseHopLimit: 2,
      httpEndpoint: 'enabled',
    },
  };
}

const describeInstances: QueryOperation = (params, context) => {
  authorize(context, 'ec2:DescribeInstances', '*');
  const ids = queryStringList(params, 'InstanceId');
  const filters = readFilters(params);
  const pagination = ec2Pagination(params, ids);
  for (const id of ids) {
    if (!/^i-[0-9a-f]{8,17}$/.test(id))
      throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`, 400);
  }
  const visible = context.state.world.instances.filter(
    (instance) => instance.instanceId.startsWith('i-') && isVisibleIn(instance, context.region),
  );
  const missing = ids.filter((id) => !visible.some((instance) => instance.instanceId === id));
  if (missing.length > 0) {
    throw new AwsApiError(
      'InvalidInstanceID.NotFound',
      missing.length === 1
        ? `The instance ID '${missing[0]}' does not exist`
        : `The instance IDs '${missing.join(', ')}' do not exist`,
      400,
    );
  }
  const selected = visible
    .filter((instance) => ids.length === 0 || ids.includes(instance.instanceId))
    .filter((instance) =>
      matchesFilters(filters, instance.tags, {
        'instance-id': instance.instanceId,
        'vpc-id': instance.vpcId,
        'subnet-id': instance.subnetId,
        'instance-state-name': instance.state,
        'instance-state-code': String(STATE_CODES[instance.state]),
        'private-ip-address': instance.privateIpAddress,
        'instance-type': instance.instanceType,
        'availability-zone': context.state.world.subnets.find(
          (subnet) => subnet.subnetId === instance.subnetId,
        )?.availabilityZone,
      }),
    );
  const { page, nextToken } = paginate(
    selected,
    pagination.maxResults,
    pagination.nextToken,
    'InvalidParameterValue',
  );
  return {
    reservationSet: xmlList(
      'item',
      page.map((instance) => ({
        reservationId: `r-${createHash('sha256').update(instance.instanceId).digest('hex').slice(0, 17)}`,
        ownerId: context.identity.accountId,
        groupSet: '',
        instancesSet: xmlList('item', [instanceXml(context, instance)]),
      })),
    ),
    nextToken,
  };
};

const describeSubnets: QueryOperation = (params, context) => {
  authorize(context, 'ec2:DescribeSubnets', '*');
  const ids = queryStringList(params, 'SubnetId');
  const filters = readFilters(params);
  const all = context.state.world.subnets;
  const missing = ids.filter((id) => !all.some((subnet) => subnet.subnetId === id));
  if (missing.length > 0) {
    throw new AwsApiError(
      'InvalidSubnetID.NotFound',
      `The subnet ID '${missing.join(', ')}' does not exist`,
      400,
    );
  }
  const selected = all
    .filter((subnet) => ids.length === 0 || ids.includes(subnet.subnetId))
    .filter((subnet) =>
      matchesFilters(filters, subnet.tags, {
        'subnet-id': subnet.subnetId,
        'vpc-id': subnet.vpcId,
        'availability-zone': subnet.availabilityZone,
        'cidr-block': subnet.cidrBlock,
        state: 'available',
      }),
    );
  return {
    subnetSet: xmlList(
      'item',
      selected.map((subnet) => ({
        subnetId: subnet.subnetId,
        subnetArn: `arn:aws:ec2:${context.region}:${context.identity.accountId}:subnet/${subnet.subnetId}`,
        state: 'available',
        ownerId: context.identity.accountId,
        vpcId: subnet.vpcId,
        cidrBlock: subnet.cidrBlock,
        availableIpAddressCount: 250,
        availabilityZone: subnet.availabilityZone,
        defaultForAz: false,
        mapPublicIpOnLaunch: false,
        tagSet: xmlList('item', tagSet(subnet.tags)),
      })),
    ),
  };
};

const describeSecurityGroups: QueryOperation = (params, context) => {
  authorize(context, 'ec2:DescribeSecurityGroups', '*');
  const ids = queryStringList(params, 'GroupId');
  const names = queryStringList(params, 'GroupName');
  const filters = readFilters(params);
  const all = context.state.world.securityGroups;
  const missing = ids.filter((id) => !all.some((group) => group.groupId === id));
  if (missing.length > 0) {
    throw new AwsApiError(
      'InvalidGroup.NotFound',
      `The security group '${missing.join(', ')}' does not exist`,
      400,
    );
  }
  const selected = all
    .filter((group) => ids.length === 0 || ids.includes(group.groupId))
    .filter((group) => names.length === 0 || names.includes(group.groupName))
    .filter((group) =>
      matchesFilters(filters, group.tags, {
        'group-id': group.groupId,
        'group-name': group.groupName,
        'vpc-id': group.vpcId,
        description: group.description,
      }),
    );
  return {
    securityGroupInfo: xmlList(
      'item',
      selected.map((group) => ({
        ownerId: context.identity.accountId,
        groupId: group.groupId,
        groupName: group.groupName,
        groupDescription: group.description,
        vpcId: group.vpcId,
        securityGroupArn: `arn:aws:ec2:${context.region}:${context.identity.accountId}:security-group/${group.groupId}`,
        ipPermissions: '',
        ipPermissionsEgress: xmlList('item', [
          {
            ipProtocol: '-1',
            groups: '',
            ipRanges: xmlList('item', [{ cidrIp: '0.0.0.0/0' }]),
            ipv6Ranges: '',
            prefixListIds: '',
          },
        ]),
        tagSet: xmlList('item', tagSet(group.tags)),
      })),
    ),
  };
};

export const ec2Operations: Record<string, QueryOperation> = {
  DescribeInstances: describeInstances,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
};
