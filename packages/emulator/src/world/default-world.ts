import { parseWorld } from './load-world.js';
import type { World, WorldInput } from './schema.js';

/** Ids of the default world, for tests and docs. */
export const DEFAULT_WORLD_IDS = {
  accountId: '000000000000',
  accessKeyId: 'test',
  secretAccessKey: 'test',
  userArn: 'arn:aws:iam::000000000000:user/test',
  bastionInstanceId: 'i-0123456789abcdef0',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
  bastionSecurityGroupId: 'sg-0a1b2c3d4e5f60001',
  databaseSecurityGroupId: 'sg-0a1b2c3d4e5f60002',
  dbInstanceIdentifier: 'demo-db',
  dbEndpoint: 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com',
  dbSecretArn:
    'arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-3b1d8f0e-5c2a-4e7b-9f10-2a3b4c5d6e7f-Ab12Cd',
  dbClusterIdentifier: 'demo-aurora',
  dbClusterEndpoint: 'demo-aurora.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com',
  dbClusterReaderEndpoint: 'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com',
  dbClusterSecretArn:
    'arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!cluster-9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d-Ef34Gh',
  ecsCluster: 'demo',
  ecsService: 'bastion',
  ecsTaskDefinition: 'bastion:1',
  parameterName: '/demo/bastion/instance-id',
  roleArn: 'arn:aws:iam::000000000000:role/demo-admin',
  mfaRoleArn: 'arn:aws:iam::000000000000:role/demo-admin-mfa',
  mfaSerialNumber: 'arn:aws:iam::000000000000:mfa/test',
  mfaCode: '123456',
} as const;

const ids = DEFAULT_WORLD_IDS;

/** The world used without `--world`, as written in a world file. Documented in the README. */
export const defaultWorldInput: WorldInput = {
  credentials: [
    {
      accessKeyId: ids.accessKeyId,
      secretAccessKey: ids.secretAccessKey,
      accountId: ids.accountId,
      arn: ids.userArn,
      userId: 'AIDAEMULATORTEST0000',
    },
  ],
  roles: [
    { arn: ids.roleArn, trust: { accounts: [ids.accountId] } },
    { arn: ids.mfaRoleArn, trust: { accounts: [ids.accountId] }, mfaRequired: true },
  ],
  mfaDevices: [{ serialNumber: ids.mfaSerialNumber, code: ids.mfaCode }],
  vpcs: [{ vpcId: ids.vpcId, cidrBlock: '10.0.0.0/16', tags: { Name: 'demo' } }],
  subnets: [
    {
      subnetId: ids.subnetIds[0],
      vpcId: ids.vpcId,
      cidrBlock: '10.0.1.0/24',
      availabilityZone: 'us-east-1a',
      tags: { Name: 'demo-private-a' },
    },
    {
      subnetId: ids.subnetIds[1],
      vpcId: ids.vpcId,
      cidrBlock: '10.0.2.0/24',
      availabilityZone: 'us-east-1b',
      tags: { Name: 'demo-private-b' },
    },
  ],
  securityGroups: [
    {
      groupId: ids.bastionSecurityGroupId,
      groupName: 'bastion',
      description: 'SSM bastion (no inbound rules)',
      vpcId: ids.vpcId,
    },
    {
      groupId: ids.databaseSecurityGroupId,
      groupName: 'database',
      description: 'PostgreSQL from the bastion',
      vpcId: ids.vpcId,
    },
  ],
  instances: [
    {
      instanceId: ids.bastionInstanceId,
      tags: { Name: 'bastion' },
      vpcId: ids.vpcId,
      subnetId: ids.subnetIds[0],
      privateIpAddress: '10.0.1.10',
      securityGroupIds: [ids.bastionSecurityGroupId],
      ssmOnline: true,
      agentVersion: '3.3.1142.0',
    },
  ],
  ecs: {
    clusters: [
      {
        clusterName: ids.ecsCluster,
        services: [
          {
            serviceName: ids.ecsService,
            taskDefinition: ids.ecsTaskDefinition,
            desiredCount: 1,
            launchType: 'FARGATE',
            enableExecuteCommand: true,
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: [...ids.subnetIds],
                securityGroups: [ids.bastionSecurityGroupId],
                assignPublicIp: 'DISABLED',
              },
            },
          },
        ],
      },
    ],
    taskDefinitions: [
      {
        family: 'bastion',
        revision: 1,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        taskRoleArn: 'arn:aws:iam::000000000000:role/demo-bastion-task',
        executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
        containerDefinitions: [
          {
            name: 'bastion',
            image: 'public.ecr.aws/amazonlinux/amazonlinux:2023',
            essential: true,
            command: ['sleep', 'infinity'],
          },
        ],
      },
    ],
  },
  rds: {
    instances: [
      {
        dbInstanceIdentifier: ids.dbInstanceIdentifier,
        engine: 'postgres',
        engineVersion: '16.4',
        endpointAddress: ids.dbEndpoint,
        port: 5432,
        vpcId: ids.vpcId,
        subnetIds: [...ids.subnetIds],
        securityGroupIds: [ids.databaseSecurityGroupId],
        dbSubnetGroupName: 'demo-db-subnets',
        masterUsername: 'postgres',
        dbName: 'demo',
        masterUserSecretArn: ids.dbSecretArn,
      },
      {
        dbInstanceIdentifier: 'demo-aurora-instance-1',
        engine: 'aurora-postgresql',
        engineVersion: '16.4',
        dbInstanceClass: 'db.t4g.medium',
        endpointAddress: 'demo-aurora-instance-1.abcdefghijkl.us-east-1.rds.amazonaws.com',
        port: 5432,
        vpcId: ids.vpcId,
        subnetIds: [...ids.subnetIds],
        securityGroupIds: [ids.databaseSecurityGroupId],
        dbSubnetGroupName: 'demo-db-subnets',
        masterUsername: 'postgres',
        dbClusterIdentifier: ids.dbClusterIdentifier,
      },
    ],
    clusters: [
      {
        dbClusterIdentifier: ids.dbClusterIdentifier,
        engine: 'aurora-postgresql',
        engineVersion: '16.4',
        endpoint: ids.dbClusterEndpoint,
        readerEndpoint: ids.dbClusterReaderEndpoint,
        port: 5432,
        vpcId: ids.vpcId,
        securityGroupIds: [ids.databaseSecurityGroupId],
        dbSubnetGroupName: 'demo-db-subnets',
        masterUsername: 'postgres',
        databaseName: 'demo',
        masterUserSecretArn: ids.dbClusterSecretArn,
      },
    ],
  },
  parameters: [{ name: ids.parameterName, type: 'String', value: ids.bastionInstanceId }],
  secrets: [
    {
      name: 'rds!db-3b1d8f0e-5c2a-4e7b-9f10-2a3b4c5d6e7f',
      arn: ids.dbSecretArn,
      secretString: JSON.stringify({ username: 'postgres', password: 'demo-password' }),
      description:
        'The secret associated with the primary RDS DB instance: arn:aws:rds:us-east-1:000000000000:db:demo-db',
    },
    {
      name: 'rds!cluster-9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      arn: ids.dbClusterSecretArn,
      secretString: JSON.stringify({ username: 'postgres', password: 'demo-password' }),
      description:
        'The secret associated with the primary RDS DB cluster: arn:aws:rds:us-east-1:000000000000:cluster:demo-aurora',
    },
  ],
  hostAliases: {
    [ids.dbEndpoint]: '127.0.0.1:5432',
    [ids.dbClusterEndpoint]: '127.0.0.1:5432',
    [ids.dbClusterReaderEndpoint]: '127.0.0.1:5432',
    'demo-aurora-instance-1.abcdefghijkl.us-east-1.rds.amazonaws.com': '127.0.0.1:5432',
  },
  sessionPreferences: { idleTimeoutMinutes: 20 },
};

/** A fresh, validated copy of the default world. */
export function createDefaultWorld(): World {
  return parseWorld(structuredClone(defaultWorldInput), 'default world');
}
