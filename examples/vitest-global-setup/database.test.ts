// Tests that use the tunnel opened by global-setup.ts. With pg:
//   const client = new pg.Client({ connectionString: inject('databaseUrl') });
import { expect, inject, test } from 'vitest';
import { useEmulator } from '../support/example-environment.js';
import { LineDatabaseClient } from '../support/line-db.js';

test('the database URL is provided', () => {
  const url = new URL(inject('databaseUrl'));
  expect(url.hostname).toBe('127.0.0.1');
  expect(Number(url.port)).toBeGreaterThan(0);
  expect(inject('tunnelUrl')).toBe(`tcp://127.0.0.1:${url.port}`);
});

test.runIf(useEmulator())('queries go through the tunnel', async () => {
  const url = new URL(inject('databaseUrl'));
  const client = await LineDatabaseClient.connect({
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  try {
    expect(await client.request('NAME')).toBe('OK demo-db');
    await client.exec('SELECT 1');
  } finally {
    await client.close();
  }
});
