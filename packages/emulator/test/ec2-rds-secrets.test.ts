import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.js';
import { DEFAULT_WORLD_IDS } from '../src/index.js';
import { clientConfig, rejection, start } from './helpers.js';

let emulator: Emulator;
let ec2: EC2Client;
let rds: RDSClient;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  emulator = await start();
  ec2 = new EC2Client(clientConfig(emulator));
  rds = new RDSClient(clientConfig(emulator));
  secrets = new SecretsManagerClient(clientConfig(emulator));
});
afterAll(async () => {
  ec2.destroy();
  rds.destroy();
  secrets.destroy();
  await emulator.close();
});

describe('EC2', () => {
  it('DescribeInstances by tag, id, vpc and state', async () => {
    const filters = [
      [{ Name: 'tag:Name', Values: ['bastion'] }],
      [{ Name: 'tag-key', Values: ['Name'] }],
      [{ Name: 'instance-id', Values: [DEFAULT_WORLD_IDS.bastionInstanceId] }],
      [
        { Name: 'vpc-id', Values: [DEFAULT_WORLD_IDS.vpcId] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
      [{ Name: 'tag:Name', Values: ['bas*'] }],
    ];
    for (const Filters of filters) {
      const result = await ec2.send(new DescribeInstancesCommand({ Filters }));
      expect(result.Reservations).toHaveLength(1);
      const instance = result.Reservations![0]!.Instances![0]!;
      expect(instance).toMatchObject({
        InstanceId: DEFAULT_WORLD_IDS.bastionInstanceId,
        State: { Code: 16, Name: 'running' },
        VpcId: DEFAULT_WORLD_IDS.vpcId,
        SubnetId: DEFAULT_WORLD_IDS.subnetIds[0],
        PrivateIpAddress: '10.0.1.10',
        Tags: [{ Key: 'Name', Value: 'bastion' }],
        SecurityGroups: [
          { GroupId: DEFAULT_WORLD_IDS.bastionSecurityGroupId, GroupName: 'bastion' },
        ],
      });
    }
    const none = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['nope'] }] }),
    );
    expect(none.Reservations).toEqual([]);
    const byId = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [DEFAULT_WORLD_IDS.bastionInstanceId] }),
    );
    expect(byId.Reservations![0]!.Instances![0]!.InstanceId).toBe(
      DEFAULT_WORLD_IDS.bastionInstanceId,
    );
  });

  it('DescribeInstances errors', async () => {
    expect(
      (
        await rejection(
          ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000001'] })),
        )
      ).name,
    ).toBe('InvalidInstanceID.NotFound');
    expect(
      (await rejection(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['bogus'] })))).name,
    ).toBe('InvalidInstanceID.Malformed');
    expect(
      (
        await rejection(
          ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });

  it('DescribeSubnets and DescribeSecurityGroups', async () => {
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [{ Name: 'vpc-id', Values: [DEFAULT_WORLD_IDS.vpcId] }],
      }),
    );
    expect(subnets.Subnets!.map((subnet) => subnet.SubnetId)).toEqual([
      ...DEFAULT_WORLD_IDS.subnetIds,
    ]);
    expect(subnets.Subnets![0]).toMatchObject({
      VpcId: DEFAULT_WORLD_IDS.vpcId,
      AvailabilityZone: 'us-east-1a',
      CidrBlock: '10.0.1.0/24',
    });
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [DEFAULT_WORLD_IDS.databaseSecurityGroupId] }),
    );
    expect(groups.SecurityGroups![0]).toMatchObject({
      GroupName: 'database',
      VpcId: DEFAULT_WORLD_IDS.vpcId,
    });
    expect(
      (
        await rejection(
          ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0000000000000dead'] })),
        )
      ).name,
    ).toBe('InvalidSubnetID.NotFound');
    expect(
      (
        await rejection(
          ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000dead'] })),
        )
      ).name,
    ).toBe('InvalidGroup.NotFound');
  });
});

describe('RDS', () => {
  it('DescribeDBInstances returns endpoint, VPC and the managed secret', async () => {
    const result = await rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'demo-db' }),
    );
    expect(result.DBInstances).toHaveLength(1);
    expect(result.DBInstances![0]).toMatchObject({
      DBInstanceIdentifier: 'demo-db',
      Engine: 'postgres',
      DBInstanceStatus: 'available',
      Endpoint: { Address: DEFAULT_WORLD_IDS.dbEndpoint, Port: 5432 },
      DBSubnetGroup: { VpcId: DEFAULT_WORLD_IDS.vpcId },
      VpcSecurityGroups: [
        { VpcSecurityGroupId: DEFAULT_WORLD_IDS.databaseSecurityGroupId, Status: 'active' },
      ],
      MasterUserSecret: { SecretArn: DEFAULT_WORLD_IDS.dbSecretArn, SecretStatus: 'active' },
    });
    const filtered = await rds.send(
      new DescribeDBInstancesCommand({
        Filters: [{ Name: 'db-cluster-id', Values: [DEFAULT_WORLD_IDS.dbClusterIdentifier] }],
      }),
    );
    expect(filtered.DBInstances!.map((instance) => instance.DBInstanceIdentifier)).toEqual([
      'demo-aurora-instance-1',
    ]);
    const all = await rds.send(new DescribeDBInstancesCommand({}));
    expect(all.DBInstances).toHaveLength(2);
  });

  it('DescribeDBInstances unknown id → DBInstanceNotFoundFault (wire code DBInstanceNotFound)', async () => {
    const error = await rejection(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })),
    );
    expect(error.name).toBe('DBInstanceNotFoundFault');
    expect(error.$metadata?.httpStatusCode).toBe(404);
    const badFilter = await rejection(
      rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })),
    );
    expect(badFilter.name).toBe('InvalidParameterValue');
  });

  it('DescribeDBClusters returns writer and reader endpoints', async () => {
    const result = await rds.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: DEFAULT_WORLD_IDS.dbClusterIdentifier }),
    );
    expect(result.DBClusters![0]).toMatchObject({
      Endpoint: DEFAULT_WORLD_IDS.dbClusterEndpoint,
      ReaderEndpoint: DEFAULT_WORLD_IDS.dbClusterReaderEndpoint,
      Port: 5432,
      Engine: 'aurora-postgresql',
      Status: 'available',
      DBClusterMembers: [{ DBInstanceIdentifier: 'demo-aurora-instance-1', IsClusterWriter: true }],
      MasterUserSecret: { SecretArn: DEFAULT_WORLD_IDS.dbClusterSecretArn },
    });
    const filtered = await rds.send(
      new DescribeDBClustersCommand({ Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] }),
    );
    expect(filtered.DBClusters).toEqual([]);
    const error = await rejection(
      rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })),
    );
    expect(error.name).toBe('DBClusterNotFoundFault');
  });
});

describe('Secrets Manager', () => {
  it('GetSecretValue by ARN (RDS-managed shape) and by name', async () => {
    const byArn = await secrets.send(
      new GetSecretValueCommand({ SecretId: DEFAULT_WORLD_IDS.dbSecretArn }),
    );
    expect(byArn.ARN).toBe(DEFAULT_WORLD_IDS.dbSecretArn);
    expect(JSON.parse(byArn.SecretString!)).toEqual({
      username: 'postgres',
      password: 'demo-password',
    });
    expect(byArn.VersionStages).toEqual(['AWSCURRENT']);
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    const byName = await secrets.send(new GetSecretValueCommand({ SecretId: byArn.Name }));
    expect(byName.SecretString).toBe(byArn.SecretString);
  });

  it('unknown secret → ResourceNotFoundException', async () => {
    const error = await rejection(secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(error.name).toBe('ResourceNotFoundException');
  });
});
