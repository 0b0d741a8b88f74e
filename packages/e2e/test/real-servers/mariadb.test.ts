// A real MariaDB behind an Aurora MySQL cluster endpoint of the emulator, reached with mysql2
// through openDatabaseTunnel (endpoint, bastion and password all looked up through the emulator).
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@ssmkit/emulator';
import { openDatabaseTunnel, type DatabaseTunnel } from '@ssmkit/node-api';
import {
  REAL_SERVERS_IDS,
  digest,
  realServersWorld,
  startMariaDb,
  type MariaDbServer,
} from '../../src/servers/index.js';

const ids = REAL_SERVERS_IDS;

let mariadb: MariaDbServer;
let emulator: Emulator;

beforeAll(async () => {
  mariadb = await startMariaDb();
  emulator = await startEmulator({ port: 0, world: realServersWorld({ mariadb }) });
}, 180_000);

afterAll(async () => {
  await emulator?.close();
  await mariadb?.stop();
}, 180_000);

function openMysqlTunnel(): Promise<DatabaseTunnel> {
  return openDatabaseTunnel({
    db: { cluster: ids.mysqlClusterIdentifier },
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function connectThrough(tunnel: DatabaseTunnel): Promise<mysql.Connection> {
  const { host, port, user, password, database } = tunnel.connection;
  return mysql.createConnection({
    host,
    port,
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
  });
}

describe('MariaDB (Aurora MySQL endpoint) through openDatabaseTunnel + mysql2', () => {
  it('finds the cluster and its secret, and answers queries from the private server', async () => {
    await using tunnel = await openMysqlTunnel();
    expect(tunnel.database.engine).toBe('aurora-mysql');
    expect(tunnel.database.host).toBe(ids.mysqlEndpoint);
    expect(tunnel.connection.engine).toBe('mysql');
    expect(tunnel.connection.user).toBe(mariadb.user);
    expect(tunnel.connection.database).toBe(mariadb.database);
    expect(tunnel.target.target).toBe(ids.bastionInstanceId);

    const connection = await connectThrough(tunnel);
    try {
      const [info] = await connection.query<mysql.RowDataPacket[]>(
        'select version() as version, @@port as port, current_user() as usr, database() as db',
      );
      expect(String(info[0]?.version)).toMatch(/MariaDB/);
      // The cluster endpoint's alias really led to the private server.
      expect(info[0]?.port).toBe(mariadb.port);
      expect(info[0]?.usr).toBe(`${mariadb.user}@127.0.0.1`);
      expect(info[0]?.db).toBe(mariadb.database);

      await connection.query(
        'create table people (id int primary key, name varchar(100) not null, score double)',
      );
      const people = Array.from({ length: 2_000 }, (_, i) => [i, `person ${i} ✓`, i / 7]);
      await connection.query('insert into people (id, name, score) values ?', [people]);
      const [summary] = await connection.query<mysql.RowDataPacket[]>(
        'select count(*) as n, sum(id) as s, max(name) as m from people',
      );
      expect(summary[0]).toMatchObject({ n: 2_000, s: '1999000', m: 'person 999 ✓' });
      const [some] = await connection.execute<mysql.RowDataPacket[]>(
        'select id, name from people where id in (?, ?) order by id',
        [3, 1_999],
      );
      expect(some.map((row): unknown[] => [row.id, row.name])).toEqual([
        [3, 'person 3 ✓'],
        [1_999, 'person 1999 ✓'],
      ]);
    } finally {
      await connection.end();
    }
  });

  it('stores a 50 MB blob and reads it back byte for byte', async () => {
    await using tunnel = await openMysqlTunnel();
    const connection = await connectThrough(tunnel);
    try {
      const blob = randomBytes(50 * 1_000_000);
      const sent = digest(blob);
      await connection.query('create table blobs (id int primary key, body longblob not null)');
      await connection.execute('insert into blobs (id, body) values (?, ?)', [1, blob]);

      // What the server stored, checked by the server itself…
      const [stored] = await connection.query<mysql.RowDataPacket[]>(
        'select length(body) as n, sha2(body, 256) as h from blobs where id = 1',
      );
      expect(stored[0]).toEqual({ n: sent.length, h: sent.sha256 });
      // …and what comes back through the tunnel.
      const [back] = await connection.query<mysql.RowDataPacket[]>(
        'select body from blobs where id = 1',
      );
      const body = back[0]?.body as Buffer;
      expect(digest(body)).toEqual(sent);
      expect(tunnel.stats().bytesSent).toBeGreaterThan(sent.length);
      expect(tunnel.stats().bytesReceived).toBeGreaterThan(sent.length);
    } finally {
      await connection.end();
    }
  });
});
