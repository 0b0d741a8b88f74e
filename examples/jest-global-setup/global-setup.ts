/**
 * jest `globalSetup`: open the tunnel before all test files and expose its URL as
 * `process.env.DATABASE_URL` (jest starts its workers after globalSetup, so they inherit it).
 * global-teardown.ts closes it. jest needs a TypeScript transform to load this file (ts-jest or
 * @swc/jest), or compile it to .js.
 *
 *   // jest.config.js
 *   export default { globalSetup: './global-setup.ts', globalTeardown: './global-teardown.ts' };
 *
 *   // database.test.ts
 *   test('reads orders', async () => {
 *     const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
 *     await client.connect();
 *     …
 *   });
 */
// In your project: import { openDatabaseTunnel, type DatabaseTunnel } from '@ssmkit/node-api';
import { openDatabaseTunnel, type DatabaseTunnel } from '../../packages/node-api/src/index.js';
import {
  startExampleEnvironment,
  type ExampleEnvironment,
} from '../support/example-environment.js';

/** globalSetup and globalTeardown share the parent process's globalThis. */
export interface TunnelGlobals {
  __SSMKIT_TUNNEL__?: DatabaseTunnel;
  __SSMKIT_EXAMPLE_ENVIRONMENT__?: ExampleEnvironment;
}

export default async function globalSetup(): Promise<void> {
  const globals = globalThis as TunnelGlobals;
  // Only for running this example without AWS (emulator + stand-in database).
  globals.__SSMKIT_EXAMPLE_ENVIRONMENT__ = await startExampleEnvironment();
  const db = await openDatabaseTunnel({
    db: process.env.DB_IDENTIFIER ?? 'demo-db',
    reason: 'integration tests',
    keepAlive: true,
  });
  globals.__SSMKIT_TUNNEL__ = db;
  process.env.DATABASE_URL = db.connection.url;
}
