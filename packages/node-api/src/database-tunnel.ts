import {
  TunnelError,
  createAwsContext,
  createIamAuthToken,
  findDatabase,
  getDatabaseCredentials,
  type AwsContext,
  type DatabaseEndpoint,
} from '@ssmkit/core';
import * as z from 'zod/v4';
import { log } from './internal/log.js';
import { invalidOption, validate } from './internal/validate.js';
import {
  checkContextExclusive,
  contextOptionsOf,
  tunnelOptionsShape,
  type OpenTunnelOptions,
} from './options.js';
import { abortedError, throwIfAborted, openPrepared, type Tunnel } from './tunnel.js';

/** Options of {@link openDatabaseTunnel}: which database, how to log in, and the tunnel options. */
export interface OpenDatabaseTunnelOptions extends Omit<OpenTunnelOptions, 'host' | 'port'> {
  /**
   * The database: a DB instance identifier (`'orders-db'`), `{ instance }`, or an Aurora / Multi-AZ
   * cluster `{ cluster, role? }` (`role: 'reader'` for the reader endpoint). Required.
   */
  db: string | { instance: string } | { cluster: string; role?: 'writer' | 'reader' };
  /**
   * Where the password comes from: a Secrets Manager secret ARN or name holding
   * `{"username","password"}`, or `false` for none (you log in yourself).
   * @default the RDS-managed master user secret, unless `iamAuth` is set
   */
  secret?: string | false;
  /**
   * Log in with an RDS IAM authentication token (valid 15 minutes, needs TLS) instead of a
   * secret: `true` uses `username` (or the master user), `{ username }` names the user.
   * @default false
   */
  iamAuth?: boolean | { username: string };
  /** The database user. @default the secret's `username`, else the master user name */
  username?: string;
  /** The database (schema) name put in `connection.database` and the URL. @default the secret's `dbname`, else the instance's initial database name, else none */
  database?: string;
  /** URL scheme of `connection.url`. @default from the engine: `postgres` or `mysql` */
  scheme?: string;
  /** Destination port override. @default the database's port */
  port?: number;
}

/** Ready-to-use connection parameters through the tunnel. Contains a secret: never log it. */
export interface DatabaseConnection {
  /** `127.0.0.1` (the tunnel's local address). */
  host: string;
  /** The tunnel's local port. */
  port: number;
  /** Undefined when `secret: false` and no `username`. */
  user: string | undefined;
  /** From Secrets Manager, an IAM token, or undefined with `secret: false`. */
  password: string | undefined;
  /** Database name, when known. */
  database: string | undefined;
  /** `postgres`/`mysql`/… (`aurora-postgresql` is `postgres`). */
  engine: string;
  /** `postgres://user:password@127.0.0.1:port/database` (components URL-encoded). */
  url: string;
  /**
   * True for IAM auth: the server requires TLS. Its certificate names the RDS host, not
   * 127.0.0.1: verify it with `servername: tlsServerName` and the RDS CA bundle.
   */
  ssl: boolean;
  /** The real endpoint host, for TLS verification (`servername`) through the tunnel. */
  tlsServerName: string;
}

/** A {@link Tunnel} to a database, with the endpoint found and the connection parameters. */
export interface DatabaseTunnel extends Tunnel {
  /** What RDS says about the database (identifier, engine, real host and port, VPC, …). */
  readonly database: DatabaseEndpoint;
  /** Connection parameters through the tunnel. */
  readonly connection: DatabaseConnection;
}

/** zod schema of {@link OpenDatabaseTunnelOptions}. @internal */
export const openDatabaseTunnelOptionsSchema = z
  .object({
    ...tunnelOptionsShape,
    db: z.union(
      [
        z.string().min(1).max(63),
        z.object({ instance: z.string().min(1).max(63) }).strict(),
        z
          .object({
            cluster: z.string().min(1).max(63),
            role: z.enum(['writer', 'reader']).optional(),
          })
          .strict(),
      ],
      { error: 'expected an identifier, { instance } or { cluster, role? }' },
    ),
    secret: z
      .union([z.string().min(1), z.literal(false)], {
        error: 'expected a secret ARN or name, or false',
      })
      .optional(),
    iamAuth: z
      .union([z.boolean(), z.object({ username: z.string().min(1) }).strict()], {
        error: 'expected a boolean or { username }',
      })
      .optional(),
    username: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    scheme: z
      .string()
      .regex(/^[a-z][a-z0-9+.-]*$/, 'expected a URL scheme such as `postgres`')
      .optional(),
    port: z.int().min(1).max(65_535).optional(),
  })
  .strict();

/** `aurora-postgresql` → `postgres`; `aurora-mysql`, `mariadb` → `mysql`. */
function engineFamily(engine: string): string {
  if (engine.includes('postgres')) return 'postgres';
  if (engine === 'aurora' || engine.includes('mysql') || engine === 'mariadb') return 'mysql';
  return engine;
}

/**
 * Find an RDS instance or Aurora cluster, open a tunnel to it, and return ready-to-use
 * connection parameters: host `127.0.0.1`, the local port, the user and a password from
 * Secrets Manager (the RDS-managed master secret by default) or an IAM token.
 *
 * IAM: `rds:DescribeDBInstances`/`rds:DescribeDBClusters`, `secretsmanager:GetSecretValue`
 * (or `rds-db:connect` for `iamAuth`), plus the tunnel's (see the README).
 *
 * @throws {@link EndpointError} `ERR_DB_NOT_FOUND`, `ERR_DB_AMBIGUOUS`, `ERR_DB_NO_ENDPOINT`,
 *   `ERR_DB_NO_SECRET`, `ERR_DB_SECRET_INVALID`, `ERR_DB_IAM_TOKEN`; {@link TunnelError}
 *   `ERR_TUNNEL_CLOSED` when `signal` aborts in any phase (lookup, secret, tunnel); everything
 *   {@link openTunnel} throws.
 * @example
 * ```ts
 * await using db = await openDatabaseTunnel({ db: 'orders-db' });
 * const client = new pg.Client(db.connection); // host, port, user, password, database
 * ```
 */
export async function openDatabaseTunnel(
  options: OpenDatabaseTunnelOptions,
): Promise<DatabaseTunnel> {
  const entryPoint = 'openDatabaseTunnel';
  validate(openDatabaseTunnelOptionsSchema, options, entryPoint);
  checkContextExclusive(options, entryPoint);
  if (
    typeof options.secret === 'string' &&
    options.iamAuth !== undefined &&
    options.iamAuth !== false
  ) {
    throw invalidOption(
      entryPoint,
      'iamAuth',
      'cannot be combined with `secret`: pick one way to log in',
    );
  }
  const { signal } = options;
  throwIfAborted(signal);

  let context: AwsContext;
  const hooks: (() => void)[] = [];
  if (options.context === undefined) {
    const created = await createAwsContext(contextOptionsOf(options));
    context = created;
    hooks.push(() => created.destroy());
  } else {
    context = options.context;
  }
  try {
    const query =
      typeof options.db === 'string'
        ? { identifier: options.db }
        : 'instance' in options.db
          ? { identifier: options.db.instance, kind: 'instance' as const }
          : {
              identifier: options.db.cluster,
              kind: 'cluster' as const,
              ...(options.db.role === undefined ? {} : { role: options.db.role }),
            };
    const database = await findDatabase(context, {
      ...query,
      ...(signal === undefined ? {} : { signal }),
    });
    const port = options.port ?? database.port;
    log('database %s: %s:%d (%s)', database.identifier, database.host, port, database.engine);
    throwIfAborted(signal);

    const login = await loginFor(context, database, port, options);
    const {
      db: _db,
      secret: _secret,
      iamAuth: _iamAuth,
      username: _username,
      database: _database,
      scheme: _scheme,
      port: _port,
      ...tunnelOptions
    } = options;
    const tunnel = await openPrepared(
      {
        options: { ...tunnelOptions, host: database.host, port, context },
        context,
        label: '',
        hooks,
      },
      entryPoint,
    );
    const engine = engineFamily(database.engine);
    const databaseName = options.database ?? login.database ?? database.databaseName;
    const auth =
      login.user === undefined
        ? ''
        : `${encodeURIComponent(login.user)}${login.password === undefined ? '' : `:${encodeURIComponent(login.password)}`}@`;
    const address = tunnel.localAddress.includes(':')
      ? `[${tunnel.localAddress}]`
      : tunnel.localAddress;
    const connection: DatabaseConnection = {
      host: tunnel.localAddress,
      port: tunnel.localPort,
      user: login.user,
      password: login.password,
      database: databaseName,
      engine,
      url: `${options.scheme ?? engine}://${auth}${address}:${tunnel.localPort}${databaseName === undefined ? '' : `/${encodeURIComponent(databaseName)}`}`,
      ssl: login.ssl,
      tlsServerName: database.host,
    };
    return Object.assign(tunnel, { database, connection });
  } catch (error) {
    // openPrepared ran the hooks itself when it failed; running destroy() twice is harmless.
    for (const hook of hooks) hook();
    // Aborted while looking up the database or its secret: the SDK's AbortError becomes the
    // same typed error openTunnel() gives for an abort (core does this for the tunnel phases).
    if (signal?.aborted === true && !TunnelError.isInstance(error)) throw abortedError(signal);
    throw error;
  }
}

async function loginFor(
  context: AwsContext,
  database: DatabaseEndpoint,
  port: number,
  options: OpenDatabaseTunnelOptions,
): Promise<{
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
  ssl: boolean;
}> {
  const iamAuth = options.iamAuth ?? false;
  if (iamAuth !== false) {
    const user =
      typeof iamAuth === 'object'
        ? iamAuth.username
        : (options.username ?? database.masterUsername);
    if (user === undefined) {
      throw invalidOption(
        'openDatabaseTunnel',
        'iamAuth',
        'needs `{ username }` (the database has no master user name)',
      );
    }
    // The token is signed for the real endpoint, not 127.0.0.1.
    const password = await createIamAuthToken(context, {
      host: database.host,
      port,
      username: user,
    });
    return { user, password, database: undefined, ssl: true };
  }
  if (options.secret === false) {
    return {
      user: options.username ?? database.masterUsername,
      password: undefined,
      database: undefined,
      ssl: false,
    };
  }
  const credentials = await getDatabaseCredentials(context, {
    secret: options.secret ?? database,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return {
    user: options.username ?? credentials.username,
    password: credentials.password,
    database: credentials.dbname,
    ssl: false,
  };
}
