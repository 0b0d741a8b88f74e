import type { WorldInput } from '@ssmkit/emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AwsError,
  createIamAuthToken,
  EndpointError,
  findDatabase,
  getDatabaseCredentials,
  listDatabases,
  type AwsContext,
} from '../src/index.js';
import { defaultWorld, rejectionOf, startWorld } from './helpers.js';

const VPC = 'vpc-0a1b2c3d4e5f60718';
let aws: AwsContext;
let close: () => Promise<void>;

beforeAll(async () => {
  const world: WorldInput = defaultWorld();
  world.rds!.instances!.push(
    {
      dbInstanceIdentifier: 'orders-stg',
      engine: 'mysql',
      endpointAddress: 'orders-stg.abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 3306,
      vpcId: VPC,
      tags: { env: 'staging', team: 'orders' },
    },
    {
      dbInstanceIdentifier: 'orders-prd',
      engine: 'mysql',
      endpointAddress: 'orders-prd.abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 3306,
      vpcId: VPC,
      tags: { env: 'production', team: 'orders' },
    },
    {
      dbInstanceIdentifier: 'broken-secret-db',
      engine: 'mariadb',
      endpointAddress: 'broken.abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 3306,
      vpcId: VPC,
      masterUserSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:broken-AbCdEf',
    },
  );
  world.secrets!.push({
    name: 'broken',
    arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:broken-AbCdEf',
    secretString: 'not json: hunter2',
  });
  world.secrets!.push({
    name: 'app/db',
    secretString: JSON.stringify({
      username: 'app',
      password: 'pw',
      host: 'h.example',
      port: '5432',
      dbname: 'app',
    }),
  });
  ({ context: aws, close } = await startWorld(world));
});
afterAll(async () => {
  await close();
});

describe('findDatabase', () => {
  test('a DB instance by identifier: endpoint, port, engine, VPC, secret', async () => {
    const db = await findDatabase(aws, { identifier: 'demo-db' });
    expect(db).toMatchObject({
      kind: 'instance',
      identifier: 'demo-db',
      engine: 'postgres',
      host: 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 5432,
      vpcId: VPC,
      masterUsername: 'postgres',
      databaseName: 'demo',
    });
    expect(db.masterUserSecretArn).toMatch(/^arn:aws:secretsmanager:.*rds!db-/);
  });

  test('an Aurora cluster by identifier: writer by default, reader on request, VPC from its members', async () => {
    const writer = await findDatabase(aws, { identifier: 'demo-aurora' });
    expect(writer).toMatchObject({
      kind: 'cluster',
      engine: 'aurora-postgresql',
      host: 'demo-aurora.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com',
      writerHost: 'demo-aurora.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com',
      readerHost: 'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 5432,
      vpcId: VPC,
    });
    const reader = await findDatabase(aws, { identifier: 'demo-aurora', role: 'reader' });
    expect(reader.host).toBe('demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com');
  });

  test('by host, including a cluster reader endpoint', async () => {
    const db = await findDatabase(aws, {
      host: 'DEMO-AURORA.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com.',
    });
    expect(db).toMatchObject({ identifier: 'demo-aurora', host: db.readerHost });
  });

  test('by engine: exact, or a family that spans Aurora', async () => {
    expect((await findDatabase(aws, { engine: 'aurora-postgresql' })).identifier).toBe(
      'demo-aurora',
    );
    const error = (await rejectionOf(findDatabase(aws, { engine: 'postgres' }))) as EndpointError;
    expect(error.code).toBe('ERR_DB_AMBIGUOUS');
    expect(error.candidates.sort()).toEqual(['demo-aurora', 'demo-db']);
    expect(error.message).toContain('narrow the query');
  });

  test('by an environment word in the name, by tag, and combined with engine', async () => {
    expect((await findDatabase(aws, { nameContains: 'STG' })).identifier).toBe('orders-stg');
    expect((await findDatabase(aws, { tag: { env: 'production' } })).identifier).toBe('orders-prd');
    expect((await findDatabase(aws, { engine: 'mysql', nameContains: 'prd' })).port).toBe(3306);
    expect(
      (await listDatabases(aws, { tag: { team: 'orders' } })).map((db) => db.identifier).sort(),
    ).toEqual(['orders-prd', 'orders-stg']);
  });

  test('cluster member instances are listed only when asked for by identifier', async () => {
    const all = (await listDatabases(aws)).map((db) => db.identifier);
    expect(all).not.toContain('demo-aurora-instance-1');
    const member = await findDatabase(aws, { identifier: 'demo-aurora-instance-1' });
    expect(member.clusterIdentifier).toBe('demo-aurora');
  });

  test('nothing matches: ERR_DB_NOT_FOUND names the query', async () => {
    const error = await rejectionOf(findDatabase(aws, { identifier: 'nope' }));
    expect(EndpointError.isInstance(error)).toBe(true);
    expect(error.code).toBe('ERR_DB_NOT_FOUND');
    expect(error.message).toContain('identifier=nope');
    expect(
      (await rejectionOf(findDatabase(aws, { engine: 'oracle-ee', kind: 'instance' }))).code,
    ).toBe('ERR_DB_NOT_FOUND');
  });
});

describe('getDatabaseCredentials', () => {
  test('from the RDS-managed secret of a database', async () => {
    const db = await findDatabase(aws, { identifier: 'demo-db' });
    const credentials = await getDatabaseCredentials(aws, { secret: db });
    expect(credentials).toEqual({
      username: 'postgres',
      password: 'demo-password',
      secretArn: db.masterUserSecretArn,
    });
  });

  test('from a secret name with host/port/dbname', async () => {
    const credentials = await getDatabaseCredentials(aws, { secret: 'app/db' });
    expect(credentials).toMatchObject({
      username: 'app',
      password: 'pw',
      host: 'h.example',
      port: 5432,
      dbname: 'app',
    });
  });

  test('a database without a managed secret: ERR_DB_NO_SECRET', async () => {
    const db = await findDatabase(aws, { identifier: 'orders-stg' });
    expect((await rejectionOf(getDatabaseCredentials(aws, { secret: db }))).code).toBe(
      'ERR_DB_NO_SECRET',
    );
  });

  test('a secret of the wrong shape: ERR_DB_SECRET_INVALID without its content', async () => {
    const error = await rejectionOf(
      getDatabaseCredentials(aws, {
        secret: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:broken-AbCdEf',
      }),
    );
    expect(error.code).toBe('ERR_DB_SECRET_INVALID');
    expect(error.message).not.toContain('hunter2');
  });

  test('an unknown secret: an AwsError from secretsmanager:GetSecretValue', async () => {
    const error = (await rejectionOf(
      getDatabaseCredentials(aws, { secret: 'missing' }),
    )) as AwsError;
    expect(error.code).toBe('ERR_AWS_REQUEST_FAILED');
    expect(error.operation).toBe('secretsmanager:GetSecretValue');
    expect(error.awsErrorName).toBe('ResourceNotFoundException');
  });
});

describe('createIamAuthToken', () => {
  test('is a presigned rds-db:connect URL for the host, port and user', async () => {
    const token = await createIamAuthToken(aws, {
      host: 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com',
      port: 5432,
      username: 'app_user',
    });
    const url = new URL(`https://${token}`);
    expect(url.hostname).toBe('demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com');
    expect(url.port).toBe('5432');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('app_user');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^test\/\d{8}\/us-east-1\/rds-db\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
