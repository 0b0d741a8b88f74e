import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_WORLD_IDS, defaultWorldInput, type WorldInput } from '@ssmkit/emulator';
import type { MariaDbServer } from './mariadb.js';
import type { PostgresServer } from './postgres.js';
import type { SshServer } from './sshd.js';

const ids = DEFAULT_WORLD_IDS;

/** Names the real-servers world adds to the default world. */
export const REAL_SERVERS_IDS = {
  /** The bastion; `<id>:22` is aliased to the private sshd. */
  bastionInstanceId: ids.bastionInstanceId,
  /** RDS PostgreSQL instance (the default world's), aliased to the private PostgreSQL. */
  pgInstanceIdentifier: ids.dbInstanceIdentifier,
  pgEndpoint: ids.dbEndpoint,
  pgPort: 5432,
  /** Its managed secret, rewritten to hold the private PostgreSQL's user and password. */
  pgSecretArn: ids.dbSecretArn,
  /** An Aurora MySQL cluster, aliased to the private MariaDB. */
  mysqlClusterIdentifier: 'e2e-aurora-mysql',
  mysqlEndpoint: 'e2e-aurora-mysql.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com',
  mysqlReaderEndpoint: 'e2e-aurora-mysql.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com',
  mysqlPort: 3306,
  mysqlSecretArn:
    'arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!cluster-7e2e0000-aaaa-4bbb-8ccc-0123456789ab-Mx12Ab',
} as const;

/** The servers a world routes to; each is optional. */
export interface RealServers {
  postgres?: PostgresServer;
  mariadb?: MariaDbServer;
  sshd?: SshServer;
}

/**
 * The default world with every database alias replaced: the RDS endpoints point at the private
 * servers given (nothing points at a system PostgreSQL on 5432), `demo-db`'s managed secret holds
 * the private PostgreSQL's credentials, an Aurora MySQL cluster leads to MariaDB, and port 22 of
 * the bastion leads to the private sshd.
 */
export function realServersWorld(servers: RealServers): WorldInput {
  const world = structuredClone(defaultWorldInput);
  const r = REAL_SERVERS_IDS;
  const hostAliases: Record<string, string> = {};
  const secrets = (world.secrets ?? []).filter((secret) => secret.arn !== r.pgSecretArn);
  const rds = {
    instances: [...(world.rds?.instances ?? [])],
    clusters: [...(world.rds?.clusters ?? [])],
  };

  if (servers.postgres !== undefined) {
    const { port, user, password } = servers.postgres;
    hostAliases[`${r.pgEndpoint}:${r.pgPort}`] = `127.0.0.1:${port}`;
    secrets.push({
      name: 'rds!db-3b1d8f0e-5c2a-4e7b-9f10-2a3b4c5d6e7f',
      arn: r.pgSecretArn,
      secretString: JSON.stringify({ username: user, password }),
    });
  }
  if (servers.mariadb !== undefined) {
    const { port, user, password, database } = servers.mariadb;
    hostAliases[`${r.mysqlEndpoint}:${r.mysqlPort}`] = `127.0.0.1:${port}`;
    hostAliases[`${r.mysqlReaderEndpoint}:${r.mysqlPort}`] = `127.0.0.1:${port}`;
    rds.clusters.push({
      dbClusterIdentifier: r.mysqlClusterIdentifier,
      engine: 'aurora-mysql',
      engineVersion: '8.0.mysql_aurora.3.08.0',
      endpoint: r.mysqlEndpoint,
      readerEndpoint: r.mysqlReaderEndpoint,
      port: r.mysqlPort,
      vpcId: ids.vpcId,
      securityGroupIds: [ids.databaseSecurityGroupId],
      dbSubnetGroupName: 'demo-db-subnets',
      masterUsername: user,
      databaseName: database,
      masterUserSecretArn: r.mysqlSecretArn,
    });
    rds.instances.push({
      dbInstanceIdentifier: `${r.mysqlClusterIdentifier}-instance-1`,
      engine: 'aurora-mysql',
      engineVersion: '8.0.mysql_aurora.3.08.0',
      dbInstanceClass: 'db.t4g.medium',
      endpointAddress: `${r.mysqlClusterIdentifier}-instance-1.abcdefghijkl.us-east-1.rds.amazonaws.com`,
      port: r.mysqlPort,
      vpcId: ids.vpcId,
      subnetIds: [...ids.subnetIds],
      securityGroupIds: [ids.databaseSecurityGroupId],
      dbSubnetGroupName: 'demo-db-subnets',
      masterUsername: user,
      dbClusterIdentifier: r.mysqlClusterIdentifier,
    });
    secrets.push({
      name: 'rds!cluster-7e2e0000-aaaa-4bbb-8ccc-0123456789ab',
      arn: r.mysqlSecretArn,
      secretString: JSON.stringify({ username: user, password }),
    });
  }
  if (servers.sshd !== undefined) {
    hostAliases[`${r.bastionInstanceId}:22`] = `127.0.0.1:${servers.sshd.port}`;
  }
  return { ...world, rds, secrets, hostAliases };
}

/** The built CLI (`packages/cli/dist/cli.js`); throws with the build command when it is missing. */
export function cliPath(): string {
  const path = fileURLToPath(new URL('../../../cli/dist/cli.js', import.meta.url));
  if (!existsSync(path)) {
    throw new Error(
      `the CLI is not built (${path} is missing): run \`pnpm --filter @ssmkit/ssm-tunnel build\``,
    );
  }
  return path;
}

/** `node` and its flags for running the built CLI (no warning about the SDK's Node support). */
export function cliCommand(): [string, string[]] {
  return [process.execPath, ['--disable-warning=NodeVersionSupportWarning', cliPath()]];
}

/**
 * An environment for spawned CLIs that reaches the emulator with its test credentials and none
 * of the user's AWS configuration. `scratchDir` receives the (non-existent) AWS config paths.
 */
export function emulatorEnv(endpoint: string, scratchDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('SSMKIT_') && !key.startsWith('PG')) {
      env[key] = value;
    }
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: ids.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ids.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(scratchDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratchDir, 'no-aws-credentials'),
    NO_COLOR: '1',
  };
}
