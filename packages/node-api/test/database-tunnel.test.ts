// openDatabaseTunnel: endpoint discovery, credentials from Secrets Manager or IAM, a ready URL,
// and real traffic to the aliased endpoint.
import type { Emulator } from '@ssmkit/emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabaseTunnel } from '../src/index.js';
import {
  AURORA_HOST,
  AURORA_READER_HOST,
  DB_HOST,
  assertEchoes,
  awsOptions,
  isListening,
  rejectionOf,
  startEchoServer,
  startTestEmulator,
  worldWithAliases,
  type TestServer,
} from './helpers.js';

const DB_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-3b1d8f0e-5c2a-4e7b-9f10-2a3b4c5d6e7f-Ab12Cd';

let emulator: Emulator;
let echo: TestServer;

beforeAll(async () => {
  echo = await startEchoServer();
  emulator = await startTestEmulator(
    worldWithAliases({
      [`${DB_HOST}:5432`]: echo.port,
      [`${AURORA_HOST}:5432`]: echo.port,
      [`${AURORA_READER_HOST}:5432`]: echo.port,
    }),
  );
});
afterAll(async () => {
  await emulator?.close();
  await echo?.close();
});

describe('openDatabaseTunnel', () => {
  test('an instance by identifier: managed secret, ready URL, byte-exact traffic', async () => {
    const tunnel = await openDatabaseTunnel({
      ...awsOptions(emulator),
      db: 'demo-db',
      reason: 'db test',
    });
    try {
      expect(tunnel.database).toMatchObject({
        identifier: 'demo-db',
        host: DB_HOST,
        port: 5432,
        kind: 'instance',
      });
      expect(tunnel.connection).toEqual({
        host: '127.0.0.1',
        port: tunnel.localPort,
        user: 'postgres',
        password: 'demo-password',
        database: 'demo',
        engine: 'postgres',
        url: `postgres://postgres:demo-password@127.0.0.1:${tunnel.localPort}/demo`,
        ssl: false,
        tlsServerName: DB_HOST,
      });
      expect(tunnel.target.source).toBe('auto');
      await assertEchoes(tunnel.connection.port, [1, 200_000, 33_333], expect);
      const session = emulator.state.sessions.get(tunnel.sessionId!);
      expect(session?.parameters.host).toEqual([DB_HOST]);
      expect(session?.reason).toBe('db test');
    } finally {
      await tunnel.close();
    }
    expect(await isListening(tunnel.localPort)).toBe(false);
  });

  test('an Aurora cluster (writer and reader endpoints)', async () => {
    {
      await using writer = await openDatabaseTunnel({
        ...awsOptions(emulator),
        db: { cluster: 'demo-aurora' },
      });
      expect(writer.database.host).toBe(AURORA_HOST);
      expect(writer.connection.url).toBe(
        `postgres://postgres:demo-password@127.0.0.1:${writer.localPort}/demo`,
      );
      await assertEchoes(writer.localPort, [100_000], expect);
    }
    await using reader = await openDatabaseTunnel({
      ...awsOptions(emulator),
      db: { cluster: 'demo-aurora', role: 'reader' },
      scheme: 'postgresql',
    });
    expect(reader.database.host).toBe(AURORA_READER_HOST);
    expect(reader.connection.url.startsWith('postgresql://')).toBe(true);
    await assertEchoes(reader.localPort, [100_000], expect);
  });

  test('an explicit secret ARN, an explicit username, and secret: false', async () => {
    {
      await using tunnel = await openDatabaseTunnel({
        ...awsOptions(emulator),
        db: { instance: 'demo-db' },
        secret: DB_SECRET_ARN,
        username: 'app user',
        database: 'app/db',
      });
      expect(tunnel.connection.user).toBe('app user');
      expect(tunnel.connection.url).toBe(
        `postgres://app%20user:demo-password@127.0.0.1:${tunnel.localPort}/app%2Fdb`,
      );
    }
    await using anonymous = await openDatabaseTunnel({
      ...awsOptions(emulator),
      db: 'demo-db',
      secret: false,
    });
    expect(anonymous.connection.password).toBeUndefined();
    expect(anonymous.connection.url).toBe(
      `postgres://postgres@127.0.0.1:${anonymous.localPort}/demo`,
    );
  });

  test('iamAuth: a token signed for the real endpoint, URL-encoded, ssl required', async () => {
    await using tunnel = await openDatabaseTunnel({
      ...awsOptions(emulator),
      db: 'demo-db',
      iamAuth: { username: 'app' },
    });
    const { password, url, user, ssl } = tunnel.connection;
    expect(user).toBe('app');
    expect(ssl).toBe(true);
    expect(password).toContain(`${DB_HOST}:5432/?Action=connect`);
    expect(password).toContain('DBUser=app');
    expect(password).toContain('X-Amz-Signature=');
    expect(url).toBe(
      `postgres://app:${encodeURIComponent(password!)}@127.0.0.1:${tunnel.localPort}/demo`,
    );
    expect(decodeURIComponent(new URL(url).password)).toBe(password);
  });

  test('unknown database: ERR_DB_NOT_FOUND, nothing left open', async () => {
    const error = await rejectionOf(openDatabaseTunnel({ ...awsOptions(emulator), db: 'nope-db' }));
    expect(error.code).toBe('ERR_DB_NOT_FOUND');
  });
});
