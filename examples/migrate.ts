/**
 * Run database migrations through a Session Manager tunnel: find the RDS instance, open a
 * tunnel through a bastion in its VPC, log in with the RDS-managed secret, apply, close.
 *
 *   # against AWS (your credentials: AWS_PROFILE, SSO, OIDC in CI, …)
 *   DB_IDENTIFIER=orders-db AWS_REGION=eu-west-1 node --import tsx examples/migrate.ts
 *   # without AWS: the emulator and a stand-in database
 *   SSMKIT_EXAMPLE_EMULATOR=1 node --conditions=@ssmkit/source --import tsx examples/migrate.ts
 *
 * Optional: SSMKIT_TARGET=i-0123456789abcdef0 to name the bastion instead of discovering it.
 */
// In your project: import { openDatabaseTunnel } from '@ssmkit/node-api';
import { openDatabaseTunnel } from '../packages/node-api/src/index.js';
import { connectDatabase } from './support/database-client.js';
import { startExampleEnvironment } from './support/example-environment.js';

const migrations = [
  {
    id: '001_create_orders',
    statement: `CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    id: '002_add_total',
    statement: `ALTER TABLE orders ADD COLUMN IF NOT EXISTS total_cents bigint`,
  },
  {
    id: '003_index_placed_at',
    statement: `CREATE INDEX IF NOT EXISTS orders_placed_at ON orders (placed_at)`,
  },
];

const environment = await startExampleEnvironment();
try {
  await using db = await openDatabaseTunnel({
    db: process.env.DB_IDENTIFIER ?? 'demo-db',
    reason: 'schema migrations',
  });
  console.log(
    `tunnel to ${db.database.identifier} (${db.database.host}) via ${db.target.target}: ${db.url(db.connection.engine)}`,
  );
  const client = await connectDatabase(db.connection);
  try {
    for (const migration of migrations) {
      await client.exec(migration.statement);
      console.log(`applied ${migration.id}`);
    }
  } finally {
    await client.close();
  }
  console.log(`migrations done: ${migrations.length} applied to ${db.database.identifier}`);
} finally {
  const standIn = environment.databases.get('demo-db');
  if (standIn !== undefined)
    console.log(`(emulator) demo-db executed ${standIn.statements.length} statements`);
  await environment.close();
}
