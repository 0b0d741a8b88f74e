/**
 * vitest `globalSetup`: open one tunnel before the whole suite, hand its URL to the tests with
 * `provide`, close it after the last test (the returned teardown always runs).
 *
 *   // vitest.config.ts
 *   export default defineConfig({ test: { globalSetup: ['./global-setup.ts'] } });
 *   // in a test
 *   import { inject } from 'vitest';
 *   const url = inject('databaseUrl'); // postgres://postgres:…@127.0.0.1:54321/app
 */
import type { TestProject } from 'vitest/node';
// In your project: import { openDatabaseTunnel } from '@ssmkit/node-api';
import { openDatabaseTunnel } from '../../packages/node-api/src/index.js';
import { startExampleEnvironment } from '../support/example-environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL through the tunnel, with credentials. */
    databaseUrl: string;
    /** Where the tunnel listens, e.g. `tcp://127.0.0.1:54321`. */
    tunnelUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Only for running this example without AWS (emulator + stand-in database).
  const environment = await startExampleEnvironment();
  try {
    const db = await openDatabaseTunnel({
      db: process.env.DB_IDENTIFIER ?? 'demo-db',
      reason: 'integration tests',
      // The tests may idle between suites: keep the session from timing out.
      keepAlive: true,
    });
    project.provide('databaseUrl', db.connection.url);
    project.provide('tunnelUrl', db.url());
    return async () => {
      await db.close();
      await environment.close();
    };
  } catch (error) {
    await environment.close();
    throw error;
  }
}
