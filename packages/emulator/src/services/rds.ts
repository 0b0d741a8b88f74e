/** RDS (awsQuery; lists as `Filters.Filter.N.Name` / `Values.Value.N`). */
import { AwsApiError } from '../server/aws-error.js';
import { queryFilters } from '../server/query-params.js';
import type { QueryParams } from '../server/query-params.js';
import { isoDate, xmlList } from '../server/xml.js';
import type { XmlObject } from '../server/xml.js';
import type { WorldRdsCluster, WorldRdsInstance } from '../world/schema.js';
import { isVisibleIn, paginate } from './context.js';
import type { QueryOperation, RequestContext } from './context.js';
import { authorize } from './permissions.js';

function filters(params: QueryParams): Array<{ name: string; values: string[] }> {
  return queryFilters(params, 'Filters', 'Values');
}

function hostedZone(): string {
  return 'Z2R2ITUGPM61AM';
}

function tagList(tags: Record<string, string>): XmlObject {
  return {
    TagList: xmlList(
      'Tag',
      Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ),
  };
}

function masterUserSecret(arn: string | undefined): XmlObject {
  return arn === undefined
    ? {}
    : {
        MasterUserSecret: {
          SecretArn: arn,
          SecretStatus: 'active',
          KmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/aws/secretsmanager',
        },
      };
}

function pageParams(params: QueryParams): { maxRecords?: number; marker?: string } {
  const maxText = params.get('MaxRecords');
  const marker = params.get('Marker');
  const result: { maxRecords?: number; marker?: string } = {};
  if (maxText !== undefined) {
    const maxRecords = Number(maxText);
    if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
      throw new AwsApiError(
        'InvalidParameterValue',
        `Invalid value ${maxText} for MaxRecords. Must be between 20 and 100`,
        400,
      );
    }
    result.maxRecords = maxRecords;
  }
  if (marker !== undefined) result.marker = marker;
  return result;
}

function instanceXml(context: RequestContext, instance: WorldRdsInstance): XmlObject {
  const arn = `arn:aws:rds:${context.region}:${context.identity.accountId}:db:${instance.dbInstanceIdentifier}`;
  const subnets = instance.subnetIds.map((subnetId) => ({
    SubnetIdentifier: subnetId,
    SubnetAvailabilityZone: {
      Name:
        context.state.world.subnets.find((subnet) => subnet.subnetId === subnetId)
          ?.availabilityZone ?? `${context.region}a`,
    },
    SubnetOutpost: '',
    SubnetStatus: 'Active',
  }));
  return {
    DBInstanceIdentifier: instance.dbInstanceIdentifier,
    DBInstanceClass: instance.dbInstanceClass,
    Engine: instance.engine,
    DBInstanceStatus: instance.status,
    MasterUsername: instance.masterUsername,
    DBName: instance.dbName,
    Endpoint: {
      Address: instance.endpointAddress,
      Port: instance.port,
      HostedZoneId: hostedZone(),
    },
    AllocatedStorage: instance.engine.startsWith('aurora') ? 1 : 20,
    InstanceCreateTime: isoDate(Date.UTC(2026, 0, 1)),
    PreferredBackupWindow: '03:00-04:00',
    BackupRetentionPeriod: 7,
    DBSecurityGroups: '',
    VpcSecurityGroups: xmlList(
      'VpcSecurityGroupMembership',
      instance.securityGroupIds.map((groupId) => ({
        VpcSecurityGroupId: groupId,
        Status: 'active',
      })),
    ),
    DBParameterGroups: '',
    AvailabilityZone: instance.availabilityZone,
    DBSubnetGroup: {
      DBSubnetGroupName: instance.dbSubnetGroupName,
      DBSubnetGroupDescription: instance.dbSubnetGroupName,
      VpcId: instance.vpcId,
      SubnetGroupStatus: 'Complete',
      Subnets: xmlList('Subnet', subnets),
    },
    PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
    MultiAZ: false,
    EngineVersion: instance.engineVersion,
    AutoMinorVersionUpgrade: true,
    PubliclyAccessible: false,
    StorageType: instance.engine.startsWith('aurora') ? 'aurora' : 'gp3',
    DbInstancePort: 0,
    DBClusterIdentifier: instance.dbClusterIdentifier,
    StorageEncrypted: true,
    DbiResourceId: `db-${Buffer.from(instance.dbInstanceIdentifier).toString('hex').toUpperCase().slice(0, 26).padEnd(26, 'A')}`,
    CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    DBInstanceArn: arn,
    IAMDatabaseAuthenticationEnabled: false,
    DeletionProtection: false,
    ...tagList(instance.tags),
    ...masterUserSecret(instance.masterUserSecretArn),
  };
}

function clusterXml(context: RequestContext, cluster: WorldRdsCluster): XmlObject {
  const members = context.state.world.rds.instances.filter(
    (instance) => instance.dbClusterIdentifier === cluster.dbClusterIdentifier,
  );
  return {
    AllocatedStorage: 1,
    AvailabilityZones: xmlList('AvailabilityZone', [
      `${context.region}a`,
      `${context.region}b`,
      `${context.region}c`,
    ]),
    BackupRetentionPeriod: 7,
    DatabaseName: cluster.databaseName,
    DBClusterIdentifier: cluster.dbClusterIdentifier,
    DBClusterParameterGroup: `default.${cluster.engine}16`,
    DBSubnetGroup: cluster.dbSubnetGroupName,
    Status: cluster.status,
    Endpoint: cluster.endpoint,
    ReaderEndpoint: cluster.readerEndpoint,
    MultiAZ: false,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    Port: cluster.port,
    MasterUsername: cluster.masterUsername,
    DBClusterMembers: xmlList(
      'DBClusterMember',
      members.map((member, index) => ({
        DBInstanceIdentifier: member.dbInstanceIdentifier,
        IsClusterWriter: index === 0,
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: 1,
      })),
    ),
    VpcSecurityGroups: xmlList(
      'VpcSecurityGroupMembership',
      cluster.securityGroupIds.map((groupId) => ({
        VpcSecurityGroupId: groupId,
        Status: 'active',
      })),
    ),
    HostedZoneId: hostedZone(),
    StorageEncrypted: true,
    DbClusterResourceId: `cluster-${Buffer.from(cluster.dbClusterIdentifier).toString('hex').toUpperCase().slice(0, 26).padEnd(26, 'A')}`,
    DBClusterArn: `arn:aws:rds:${context.region}:${context.identity.accountId}:cluster:${cluster.dbClusterIdentifier}`,
    IAMDatabaseAuthenticationEnabled: false,
    ClusterCreateTime: isoDate(Date.UTC(2026, 0, 1)),
    EngineMode: 'provisioned',
    DeletionProtection: false,
    ...tagList(cluster.tags),
    ...masterUserSecret(cluster.masterUserSecretArn),
  };
}

function identifierFromArn(value: string, kind: 'db' | 'cluster'): string {
  const marker = `:${kind}:`;
  return value.startsWith('arn:') && value.includes(marker)
    ? value.slice(value.indexOf(marker) + marker.length)
    : value;
}

const describeDBInstances: QueryOperation = (params, context) => {
  authorize(context, 'rds:DescribeDBInstances', '*');
  const identifier = params.get('DBInstanceIdentifier');
  const { maxRecords, marker } = pageParams(params);
  const all = context.state.world.rds.instances.filter((instance) =>
    isVisibleIn(instance, context.region),
  );
  let selected = all;
  if (identifier !== undefined) {
    const id = identifierFromArn(identifier, 'db');
    selected = all.filter(
      (instance) =>
        instance.dbInstanceIdentifier === id.toLowerCase() || instance.dbInstanceIdentifier === id,
    );
    if (selected.length === 0)
      throw new AwsApiError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
  }
  for (const { name, values } of filters(params)) {
    const ids = values.map((value) => identifierFromArn(identifierFromArn(value, 'db'), 'cluster'));
    switch (name) {
      case 'db-instance-id':
        selected = selected.filter((instance) => ids.includes(instance.dbInstanceIdentifier));
        break;
      case 'db-cluster-id':
        selected = selected.filter(
          (instance) =>
            instance.dbClusterIdentifier !== undefined &&
            ids.includes(instance.dbClusterIdentifier),
        );
        break;
      case 'engine':
        selected = selected.filter((instance) => values.includes(instance.engine));
        break;
      case 'dbi-resource-id':
      case 'domain':
        selected = [];
        break;
      default:
        throw new AwsApiError('InvalidParameterValue', `Unrecognized filter name: ${name}.`, 400);
    }
  }
  const { page, nextToken } = paginate(selected, maxRecords, marker, 'InvalidParameterValue');
  return {
    DBInstances: xmlList(
      'DBInstance',
      page.map((instance) => instanceXml(context, instance)),
    ),
    Marker: nextToken,
  };
};

const describeDBClusters: QueryOperation = (params, context) => {
  authorize(context, 'rds:DescribeDBClusters', '*');
  const identifier = params.get('DBClusterIdentifier');
  const { maxRecords, marker } = pageParams(params);
  const all = context.state.world.rds.clusters.filter((cluster) =>
    isVisibleIn(cluster, context.region),
  );
  let selected = all;
  if (identifier !== undefined) {
    const id = identifierFromArn(identifier, 'cluster');
    selected = all.filter(
      (cluster) =>
        cluster.dbClusterIdentifier === id.toLowerCase() || cluster.dbClusterIdentifier === id,
    );
    if (selected.length === 0)
      throw new AwsApiError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
  }
  for (const { name, values } of filters(params)) {
    const ids = values.map((value) => identifierFromArn(value, 'cluster'));
    switch (name) {
      case 'db-cluster-id':
        selected = selected.filter((cluster) => ids.includes(cluster.dbClusterIdentifier));
        break;
      case 'engine':
        selected = selected.filter((cluster) => values.includes(cluster.engine));
        break;
      case 'db-cluster-resource-id':
      case 'domain':
        selected = [];
        break;
      default:
        throw new AwsApiError('InvalidParameterValue', `Unrecognized filter name: ${name}.`, 400);
    }
  }
  const { page, nextToken } = paginate(selected, maxRecords, marker, 'InvalidParameterValue');
  return {
    DBClusters: xmlList(
      'DBCluster',
      page.map((cluster) => clusterXml(context, cluster)),
    ),
    Marker: nextToken,
  };
};

export const rdsOperations: Record<string, QueryOperation> = {
  DescribeDBInstances: describeDBInstances,
  DescribeDBClusters: describeDBClusters,
};
