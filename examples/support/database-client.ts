// The examples' database client: `pg` against a real PostgreSQL (install it: `npm i pg`), or the
// line-protocol stand-in when running against the emulator.
import { readFileSync } from 'node:fs';
import type { DatabaseConnection } from '../../packages/node-api/src/index.js';
import { useEmulator } from './example-environment.js';
import { LineDatabaseClient } from './line-db.js';

export interface DatabaseClient {
  exec(statement: string): Promise<void>;
  close(): Promise<void>;
}

/** The part of `pg.Client` the examples use (typed here so `pg` stays an optional install). */
interface PgClient {
  connect(): Promise<void>;
  query(statement: string): Promise<unknown>;
  end(): Promise<void>;
}

export async function connectDatabase(connection: DatabaseConnection): Promise<DatabaseClient> {
  if (useEmulator()) {
    const client = await LineDatabaseClient.connect({
      host: connection.host,
      port: connection.port,
      ...(connection.user === undefined ? {} : { user: connection.user }),
      ...(connection.password === undefined ? {} : { password: connection.password }),
    });
    return { exec: (statement) => client.exec(statement), close: () => client.close() };
  }
  // The real thing: node-postgres with the parameters openDatabaseTunnel() returned.
  const pgModule = 'pg';
  const { default: pg } = (await import(pgModule)) as {
    default: { Client: new (config: object) => PgClient };
  };
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    database: connection.database,
    // IAM tokens need TLS. The certificate names the RDS host, not 127.0.0.1: verify it against
    // that name and the RDS CA bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem).
    ...(connection.ssl
      ? {
          ssl: {
            servername: connection.tlsServerName,
            ...(process.env.RDS_CA_BUNDLE === undefined
              ? {}
              : { ca: readFileSync(process.env.RDS_CA_BUNDLE, 'utf8') }),
          },
        }
      : {}),
  });
  await client.connect();
  return {
    exec: async (statement) => {
      await client.query(statement);
    },
    close: () => client.end(),
  };
}
