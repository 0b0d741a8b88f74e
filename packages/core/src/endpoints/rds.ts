import type { DBCluster, DBInstance, Tag } from '@aws-sdk/client-rds';
import { SsmError } from '@ssmkit/protocol';
import * as z from 'zod/v4';
import type { AwsContext } from '../aws/aws-context.js';
import { loadSdk } from '../aws/sdk.js';
import { EndpointError } from '../errors/endpoint-error.js';
import { callAws, describeErrorForLog, describeSdkError } from '../internal/call-aws.js';
import { awsLog } from '../internal/logger.js';
import { parseOptions } from '../internal/parse-options.js';

/** A database endpoint: an RDS DB instance or an Aurora / Multi-AZ DB cluster. */
export interface DatabaseEndpoint {
  /** `instance` for a DB instance, `cluster` for an Aurora or Multi-AZ DB cluster. */
  kind: 'instance' | 'cluster';
  /** DBInstanceIdentifier or DBClusterIdentifier. */
  identifier: string;
  arn: string | undefined;
  /** `postgres`, `mysql`, `aurora-postgresql`, `aurora-mysql`, `mariadb`, … */
  engine: string;
  engineVersion: string | undefined;
  /** The host to connect to: the instance endpoint, or the cluster's writer (or reader, with `role: 'reader'`) endpoint. */
  host: string;
  port: number;
  /** Cluster writer endpoint (clusters only). */
  writerHost: string | undefined;
  /** Cluster reader endpoint (clusters only). */
  readerHost: string | undefined;
  /** The VPC the database lives in. */
  vpcId: string | undefined;
  /** `available`, `creating`, `stopped`, … */
  status: string | undefined;
  /** Whether RDS IAM database authentication is enabled. */
  iamAuthEnabled: boolean;
  masterUsername: string | undefined;
  /** The RDS-managed master user secret (`ManageMasterUserPassword`), if any. */
  masterUserSecretArn: string | undefined;
  /** For a DB instance that is a member of a cluster: the cluster identifier. */
  clusterIdentifier: string | undefined;
  /** Initial database name, if one was set. */
  databaseName: string | undefined;
  tags: Record<string, string>;
}

/** Options of {@link findDatabase} and {@link listDatabases}. All given criteria must match. */
export interface DatabaseQuery {
  /** Exact DBInstanceIdentifier or DBClusterIdentifier. */
  identifier?: string;
  /** An endpoint host name (instance, cluster writer or reader endpoint). */
  host?: string;
  /**
   * Engine(s): exact (`aurora-postgresql`) or a family (`postgres` also matches
   * `aurora-postgresql`; `mysql` matches `aurora-mysql`).
   */
  engine?: string | string[];
  /** Tags that must all be present with these values. */
  tag?: Record<string, string>;
  /** A word the identifier must contain (case-insensitive), e.g. an environment: `stg`. */
  nameContains?: string;
  /** Only instances, only clusters, or both. Default `any`. */
  kind?: 'instance' | 'cluster' | 'any';
  /** For clusters: which endpoint `host` is. Default `writer`. */
  role?: 'writer' | 'reader';
  signal?: AbortSignal;
}

const databaseQuerySchema = z
  .object({
    identifier: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    engine: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    tag: z.record(z.string().min(1), z.string()).optional(),
    nameContains: z.string().min(1).optional(),
    kind: z.enum(['instance', 'cluster', 'any']).optional(),
    role: z.enum(['writer', 'reader']).optional(),
    signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
  })
  .strict();

/** `aurora-postgresql` → `postgres`, `aurora-mysql`/`aurora` → `mysql`; others unchanged. @internal */
export function engineFamily(engine: string): string {
  if (engine.includes('postgres')) return 'postgres';
  if (engine === 'aurora' || engine.includes('mysql')) return 'mysql';
  return engine;
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

function tagsOf(tagList: Tag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of tagList ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

function fromInstance(instance: DBInstance): DatabaseEndpoint {
  return {
    kind: 'instance',
    identifier: instance.DBInstanceIdentifier ?? '',
    arn: instance.DBInstanceArn,
    engine: instance.Engine ?? '',
    engineVersion: instance.EngineVersion,
    host: instance.Endpoint?.Address ?? '',
    port: instance.Endpoint?.Port ?? instance.DbInstancePort ?? 0,
    writerHost: undefined,
    readerHost: undefined,
    vpcId: instance.DBSubnetGroup?.VpcId,
    status: instance.DBInstanceStatus,
    iamAuthEnabled: instance.IAMDatabaseAuthenticationEnabled ?? false,
    masterUsername: instance.MasterUsername,
    masterUserSecretArn: instance.MasterUserSecret?.SecretArn,
    clusterIdentifier: instance.DBClusterIdentifier,
    databaseName: instance.DBName,
    tags: tagsOf(instance.TagList),
  };
}

function fromCluster(cluster: DBCluster, role: 'writer' | 'reader'): DatabaseEndpoint {
  return {
    kind: 'cluster',
    identifier: cluster.DBClusterIdentifier ?? '',
    arn: cluster.DBClusterArn,
    engine: cluster.Engine ?? '',
    engineVersion: cluster.EngineVersion,
    host: (role === 'reader' ? cluster.ReaderEndpoint : cluster.Endpoint) ?? '',
    port: cluster.Port ?? 0,
    writerHost: cluster.Endpoint,
    readerHost: cluster.ReaderEndpoint,
    vpcId: undefined,
    status: cluster.Status,
    iamAuthEnabled: cluster.IAMDatabaseAuthenticationEnabled ?? false,
    masterUsername: cluster.MasterUsername,
    masterUserSecretArn: cluster.MasterUserSecret?.SecretArn,
    clusterIdentifier: undefined,
    databaseName: cluster.DatabaseName,
    tags: tagsOf(cluster.TagList),
  };
}

function isNotFound(error: unknown): boolean {
  const { name } = describeSdkError(error);
  return [
    'DBInstanceNotFoundFault',
    'DBInstanceNotFound',
    'DBClusterNotFoundFault',
    'DBClusterNotFound',
  ].includes(name);
}

/**
 * Follows `Marker` through up to 50 pages of an RDS Describe call. A lookup by identifier that
 * RDS answers with "not found" gives an empty list.
 */
async function describeAllPages<T>(
  operation: string,
  identifier: string | undefined,
  fetchPage: (marker: string | undefined) => Promise<{ items?: T[]; marker?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 50; page++) {
    try {
      const output = await callAws(operation, () => fetchPage(marker));
      items.push(...(output.items ?? []));
      marker = output.marker;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (identifier !== undefined && isNotFound(cause)) return [];
      throw error;
    }
    if (!marker) break;
  }
  return items;
}

async function describeAllInstances(
  context: AwsContext,
  identifier: string | undefined,
  signal: AbortSignal | undefined,
): Promise<DBInstance[]> {
  const { DescribeDBInstancesCommand } = await loadSdk('rds');
  const rds = await context.client('rds');
  return describeAllPages('rds:DescribeDBInstances', identifier, async (marker) => {
    const output = await rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier, Marker: marker }),
      { abortSignal: signal },
    );
    return { items: output.DBInstances, marker: output.Marker };
  });
}

async function describeAllClusters(
  context: AwsContext,
  identifier: string | undefined,
  signal: AbortSignal | undefined,
): Promise<DBCluster[]> {
  const { DescribeDBClustersCommand } = await loadSdk('rds');
  const rds = await context.client('rds');
  return describeAllPages('rds:DescribeDBClusters', identifier, async (marker) => {
    const output = await rds.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: identifier, Marker: marker }),
      { abortSignal: signal },
    );
    return { items: output.DBClusters, marker: output.Marker };
  });
}

function describeQuery(query: DatabaseQuery): string {
  const parts: string[] = [];
  if (query.identifier !== undefined) parts.push(`identifier=${query.identifier}`);
  if (query.host !== undefined) parts.push(`host=${query.host}`);
  if (query.engine !== undefined) parts.push(`engine=${[query.engine].flat().join('|')}`);
  if (query.nameContains !== undefined) parts.push(`name contains '${query.nameContains}'`);
  for (const [key, value] of Object.entries(query.tag ?? {})) parts.push(`tag ${key}=${value}`);
  if (query.kind !== undefined && query.kind !== 'any') parts.push(`kind=${query.kind}`);
  return parts.length === 0 ? 'any database' : parts.join(', ');
}

/**
 * Every RDS DB instance and Aurora/Multi-AZ DB cluster matching `query`, with endpoint, port,
 * engine and VPC. Instances that are members of a cluster are left out unless asked for by
 * identifier or host (connect through the cluster's endpoints instead).
 *
 * IAM: `rds:DescribeDBInstances`, `rds:DescribeDBClusters`, and `rds:DescribeDBSubnetGroups`
 * (for a cluster's VPC).
 */
export async function listDatabases(
  context: AwsContext,
  query: DatabaseQuery = {},
): Promise<DatabaseEndpoint[]> {
  parseOptions(databaseQuerySchema, query, 'listDatabases');
  const kind = query.kind ?? 'any';
  const role = query.role ?? 'writer';
  const { signal } = query;
  const wanted = query.host === undefined ? undefined : normalizeHost(query.host);
  const engines =
    query.engine === undefined
      ? undefined
      : [query.engine].flat().map((engine) => engine.toLowerCase());
  const nameContains = query.nameContains?.toLowerCase();

  const instances =
    kind === 'cluster' ? [] : await describeAllInstances(context, query.identifier, signal);
  const clusters =
    kind === 'instance' ? [] : await describeAllClusters(context, query.identifier, signal);
  const candidates: DatabaseEndpoint[] = [];
  for (const instance of instances) {
    const endpoint = fromInstance(instance);
    const explicitlyAsked =
      query.identifier !== undefined ||
      (wanted !== undefined && normalizeHost(endpoint.host) === wanted);
    if (endpoint.clusterIdentifier !== undefined && !explicitlyAsked) continue;
    candidates.push(endpoint);
  }
  for (const cluster of clusters) {
    let clusterRole = role;
    if (
      wanted !== undefined &&
      cluster.ReaderEndpoint !== undefined &&
      normalizeHost(cluster.ReaderEndpoint) === wanted
    ) {
      clusterRole = 'reader';
    }
    candidates.push(fromCluster(cluster, clusterRole));
  }
  const matches = candidates.filter((candidate) => {
    if (query.identifier !== undefined && candidate.identifier !== query.identifier) return false;
    if (wanted !== undefined && normalizeHost(candidate.host) !== wanted) return false;
    if (
      engines !== undefined &&
      !engines.some(
        (engine) => candidate.engine === engine || engineFamily(candidate.engine) === engine,
      )
    ) {
      return false;
    }
    if (nameContains !== undefined && !candidate.identifier.toLowerCase().includes(nameContains))
      return false;
    return Object.entries(query.tag ?? {}).every(([key, value]) => candidate.tags[key] === value);
  });
  for (const match of matches) {
    if (match.kind === 'cluster' && match.vpcId === undefined) {
      const cluster = clusters.find(
        (candidate) => candidate.DBClusterIdentifier === match.identifier,
      );
      match.vpcId = await clusterVpcId(context, cluster, instances, signal);
    }
  }
  awsLog('listDatabases(%s): %d match(es)', describeQuery(query), matches.length);
  return matches;
}

async function clusterVpcId(
  context: AwsContext,
  cluster: DBCluster | undefined,
  knownInstances: DBInstance[],
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (cluster === undefined) return undefined;
  const memberIds = new Set(
    (cluster.DBClusterMembers ?? []).map((member) => member.DBInstanceIdentifier),
  );
  const member = knownInstances.find(
    (instance) =>
      memberIds.has(instance.DBInstanceIdentifier) && instance.DBSubnetGroup?.VpcId !== undefined,
  );
  if (member?.DBSubnetGroup?.VpcId !== undefined) return member.DBSubnetGroup.VpcId;
  const { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand } = await loadSdk('rds');
  const rds = await context.client('rds');
  try {
    const output = await callAws('rds:DescribeDBInstances', () =>
      rds.send(
        new DescribeDBInstancesCommand({
          Filters: [{ Name: 'db-cluster-id', Values: [cluster.DBClusterIdentifier ?? ''] }],
        }),
        { abortSignal: signal },
      ),
    );
    const vpcId = output.DBInstances?.find((instance) => instance.DBSubnetGroup?.VpcId)
      ?.DBSubnetGroup?.VpcId;
    if (vpcId !== undefined) return vpcId;
  } catch (error) {
    awsLog.error(
      'could not list the members of cluster %s: %s',
      cluster.DBClusterIdentifier,
      describeErrorForLog(error),
    );
  }
  if (cluster.DBSubnetGroup === undefined) return undefined;
  try {
    const output = await callAws('rds:DescribeDBSubnetGroups', () =>
      rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: cluster.DBSubnetGroup }), {
        abortSignal: signal,
      }),
    );
    return output.DBSubnetGroups?.[0]?.VpcId;
  } catch (error) {
    awsLog.error(
      'could not find the VPC of cluster %s: %s',
      cluster.DBClusterIdentifier,
      describeErrorForLog(error),
    );
    return undefined;
  }
}

/**
 * The one RDS instance or Aurora cluster matching `query`.
 *
 * @throws {@link EndpointError} `ERR_DB_NOT_FOUND` (nothing matched), `ERR_DB_AMBIGUOUS` (several
 * matched; `candidates` lists them), `ERR_DB_NO_ENDPOINT` (no endpoint yet, or no reader).
 *
 * @example
 * ```ts
 * const db = await findDatabase(aws, { engine: 'postgres', nameContains: 'stg' });
 * console.log(db.host, db.port, db.vpcId);
 * ```
 */
export async function findDatabase(
  context: AwsContext,
  query: DatabaseQuery,
): Promise<DatabaseEndpoint> {
  const matches = await listDatabases(context, query);
  if (matches.length === 0) {
    throw new EndpointError(
      'ERR_DB_NOT_FOUND',
      `No RDS instance or Aurora cluster matches ${describeQuery(query)} in region ${context.region}.`,
    );
  }
  if (matches.length > 1) {
    const candidates = matches.map(
      (match) => `${match.kind} ${match.identifier} (${match.engine})`,
    );
    throw new EndpointError(
      'ERR_DB_AMBIGUOUS',
      `${matches.length} databases match ${describeQuery(query)}: ${candidates.join(', ')}. Pass \`identifier\` or narrow the query (engine, tag, nameContains).`,
      { candidates: matches.map((match) => match.identifier) },
    );
  }
  const [match] = matches as [DatabaseEndpoint];
  if (match.host === '') {
    throw new EndpointError(
      'ERR_DB_NO_ENDPOINT',
      query.role === 'reader' && match.kind === 'cluster'
        ? `Cluster ${match.identifier} has no reader endpoint.`
        : `${match.kind === 'cluster' ? 'Cluster' : 'DB instance'} ${match.identifier} has no endpoint yet (status ${match.status ?? 'unknown'}).`,
    );
  }
  return match;
}

/** Database credentials read from a Secrets Manager secret. Never log this object. */
export interface DatabaseCredentials {
  username: string;
  password: string;
  /** Present in secrets created by the RDS console's "store credentials" (not in RDS-managed ones). */
  host?: string;
  port?: number;
  dbname?: string;
  engine?: string;
  /** The secret's ARN. */
  secretArn: string;
}

/** Options of {@link getDatabaseCredentials}. */
export interface GetDatabaseCredentialsOptions {
  /** Secret ARN or name; or a {@link DatabaseEndpoint} whose RDS-managed master secret is used. */
  secret: string | Pick<DatabaseEndpoint, 'identifier' | 'masterUserSecretArn'>;
  /** Version stage. Default `AWSCURRENT`. */
  versionStage?: string;
  signal?: AbortSignal;
}

const credentialsOptionsSchema = z
  .object({
    secret: z.union([
      z.string().min(1),
      z.object({ identifier: z.string(), masterUserSecretArn: z.string().optional() }).loose(),
    ]),
    versionStage: z.string().min(1).optional(),
    signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
  })
  .strict();

/**
 * Read database credentials from a Secrets Manager secret in the RDS shape
 * (`{"username": "…", "password": "…"}`, optionally `host`, `port`, `dbname`, `engine`).
 *
 * IAM: `secretsmanager:GetSecretValue` on the secret, and `kms:Decrypt` on its key when it is a
 * customer-managed key.
 *
 * @throws {@link EndpointError} `ERR_DB_NO_SECRET`, `ERR_DB_SECRET_INVALID`.
 */
export async function getDatabaseCredentials(
  context: AwsContext,
  options: GetDatabaseCredentialsOptions,
): Promise<DatabaseCredentials> {
  parseOptions(credentialsOptionsSchema, options, 'getDatabaseCredentials');
  const { secret } = options;
  const secretId = typeof secret === 'string' ? secret : secret.masterUserSecretArn;
  if (secretId === undefined) {
    throw new EndpointError(
      'ERR_DB_NO_SECRET',
      `Database ${typeof secret === 'string' ? secret : secret.identifier} has no RDS-managed master user secret. Pass the secret's ARN or name as \`secret\`.`,
    );
  }
  const { GetSecretValueCommand } = await loadSdk('secretsManager');
  const secretsManager = await context.client('secretsManager');
  const output = await callAws('secretsmanager:GetSecretValue', () =>
    secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: options.versionStage }),
      { abortSignal: options.signal },
    ),
  );
  const secretArn = output.ARN ?? secretId;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.SecretString ?? '');
  } catch {
    parsed = undefined;
  }
  const shape = z
    .object({
      username: z.string().min(1),
      password: z.string(),
      host: z.string().optional(),
      port: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
      dbname: z.string().optional(),
      engine: z.string().optional(),
    })
    .loose()
    .safeParse(parsed);
  if (!shape.success) {
    // Never include the secret's content in the message.
    throw new EndpointError(
      'ERR_DB_SECRET_INVALID',
      `Secret ${secretArn} is not JSON with string \`username\` and \`password\` fields (the RDS secret shape)${output.SecretString === undefined ? '; it has no SecretString' : ''}.`,
    );
  }
  const value = shape.data;
  return {
    username: value.username,
    password: value.password,
    ...(value.host === undefined ? {} : { host: value.host }),
    ...(value.port === undefined ? {} : { port: Number(value.port) }),
    ...(value.dbname === undefined ? {} : { dbname: value.dbname }),
    ...(value.engine === undefined ? {} : { engine: value.engine }),
    secretArn,
  };
}

/** Options of {@link createIamAuthToken}. */
export interface CreateIamAuthTokenOptions {
  /** The database endpoint host (the real RDS host name, not `127.0.0.1`). */
  host: string;
  port: number;
  /** The database user that has `rds_iam` (PostgreSQL) or `AWSAuthenticationPlugin` (MySQL). */
  username: string;
  /** Region of the database. Default: the context's. */
  region?: string;
}

const iamTokenOptionsSchema = z
  .object({
    host: z.string().min(1),
    port: z.int().min(1).max(65_535),
    username: z.string().min(1),
    region: z.string().min(1).optional(),
  })
  .strict();

/**
 * Create an RDS IAM authentication token (a presigned `rds-db:connect` URL, valid 15 minutes)
 * to use as the database password through the tunnel, with TLS. Treat it as a secret.
 *
 * IAM: `rds-db:connect` on `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<username>`.
 *
 * @example
 * ```ts
 * const password = await createIamAuthToken(aws, { host: db.host, port: db.port, username: 'app' });
 * ```
 */
export async function createIamAuthToken(
  context: AwsContext,
  options: CreateIamAuthTokenOptions,
): Promise<string> {
  parseOptions(iamTokenOptionsSchema, options, 'createIamAuthToken');
  const { Signer } = await import('@aws-sdk/rds-signer');
  const signer = new Signer({
    hostname: options.host,
    port: options.port,
    username: options.username,
    region: options.region ?? context.region,
    credentials: context.credentials,
  });
  try {
    return await signer.getAuthToken();
  } catch (error) {
    if (SsmError.isInstance(error)) throw error;
    throw new EndpointError(
      'ERR_DB_IAM_TOKEN',
      `Could not create an RDS IAM auth token for ${options.username}@${options.host}:${options.port}.`,
      { cause: error },
    );
  }
}
