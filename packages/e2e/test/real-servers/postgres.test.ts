// A real PostgreSQL behind the emulator's RDS endpoint: queries through openTunnel, a pg_dump
// through `ssm-tunnel db -- pg_dump` restored through the tunnel, and a long query that outlives
// forced WebSocket drops.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@ssmkit/emulator';
import { openTunnel, type Tunnel } from '@ssmkit/node-api';
import {
  REAL_SERVERS_IDS,
  cliCommand,
  digest,
  emulatorEnv,
  fileDigest,
  makeTempDir,
  realServersWorld,
  removeDir,
  run,
  startPostgres,
  waitFor,
  type PostgresServer,
} from '../../src/servers/index.js';

const ids = REAL_SERVERS_IDS;

let postgres: PostgresServer;
let emulator: Emulator;
let scratch: string;

beforeAll(async () => {
  scratch = await makeTempDir('pg-files');
  postgres = await startPostgres();
  emulator = await startEmulator({ port: 0, world: realServersWorld({ postgres }) });
}, 180_000);

afterAll(async () => {
  await emulator?.close();
  await postgres?.stop();
  if (scratch !== undefined) await removeDir(scratch);
}, 180_000);

/** A client straight to the private server, bypassing the tunnel (setup and expectations). */
async function directClient(database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: postgres.port,
    user: postgres.user,
    password: postgres.password,
    database,
  });
  await client.connect();
  return client;
}

async function withDirect<T>(database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await directClient(database);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function openPgTunnel(): Promise<Tunnel> {
  return openTunnel({
    host: ids.pgEndpoint,
    port: ids.pgPort,
    target: ids.bastionInstanceId,
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function tunnelClient(tunnel: Tunnel, database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({
    host: tunnel.localAddress,
    port: tunnel.localPort,
    user: postgres.user,
    password: postgres.password,
    database,
  });
  await client.connect();
  return client;
}

/** Run the built CLI against the emulator; arguments after `--` are the child command. */
async function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const [node, flags] = cliCommand();
  const result = await run(node, [...flags, ...args], {
    env: emulatorEnv(emulator.endpoint, scratch),
    timeoutMs: 150_000,
  });
  return { code: result.code, stderr: result.stderr };
}

describe('PostgreSQL through openTunnel', () => {
  it('answers queries from the private server and carries bytea both ways intact', async () => {
    await using tunnel = await openPgTunnel();
    const client = await tunnelClient(tunnel);
    try {
      const info = await client.query<{ version: string; port: number; usr: string }>(
        'select version() as version, inet_server_port() as port, current_user as usr',
      );
      expect(info.rows[0]?.version).toMatch(/^PostgreSQL \d+/);
      // The RDS endpoint's alias really led to the private server.
      expect(info.rows[0]?.port).toBe(postgres.port);
      expect(info.rows[0]?.usr).toBe(postgres.user);

      await client.query('create temporary table t (id int primary key, body bytea not null)');
      const payloads = [0, 1, 1000, 65_536, 1_048_576, 4 * 1_048_576 + 7].map((size) =>
        randomBytes(size),
      );
      for (const [id, body] of payloads.entries()) {
        await client.query('insert into t values ($1, $2)', [id, body]);
      }
      const stored = await client.query<{ id: number; n: number; h: string }>(
        "select id, length(body) as n, encode(sha256(body), 'hex') as h from t order by id",
      );
      expect(stored.rows).toEqual(
        payloads.map((body, id) => ({ id, n: body.length, ...hex(body) })),
      );
      const back = await client.query<{ id: number; body: Buffer }>(
        'select id, body from t order by id',
      );
      expect(back.rows.map((row) => digest(row.body))).toEqual(
        payloads.map((body) => digest(body)),
      );
    } finally {
      await client.end();
    }
    expect(tunnel.stats().connectionsTotal).toBe(1);
  });
});

/**
 * Plain SQL without the `\restrict <random key>` lines newer pg_dump/pg_restore write, which
 * differ on every run.
 */
function withoutRestrictKeys(sql: Buffer): Buffer {
  return Buffer.from(
    sql
      .toString('utf8')
      .split('\n')
      .filter((line) => !/^\\(un)?restrict /.test(line))
      .join('\n'),
  );
}

function hex(body: Buffer): { h: string } {
  return { h: digest(body).sha256 };
}

/** Sessions the emulator started to the PostgreSQL endpoint so far (admin API). */
async function dbSessionCount(): Promise<number> {
  const response = await fetch(`${emulator.endpoint}/_emulator/state`);
  const state = (await response.json()) as { sessions: { parameters: { host?: string[] } }[] };
  return state.sessions.filter((session) => session.parameters.host?.[0] === ids.pgEndpoint).length;
}

/** Per-table row count and a digest over every row, in key order. */
async function tableDigests(database: string): Promise<Record<string, string>> {
  return withDirect(database, async (client) => {
    const result: Record<string, string> = {};
    for (const table of ['customers', 'documents', 'orders']) {
      const { rows } = await client.query<{ n: string; h: string }>(
        `select count(*) as n, md5(string_agg(t::text, E'\\n' order by t.id)) as h from ${table} t`,
      );
      result[table] = `${rows[0]?.n}:${rows[0]?.h}`;
    }
    return result;
  });
}

describe('PostgreSQL through `ssm-tunnel db -- …`', () => {
  it('pg_dumps a seeded database and pg_restores it into another, unchanged', async () => {
    await withDirect('postgres', async (client) => {
      await client.query('create database seeded');
      await client.query('create database restored');
    });
    await withDirect('seeded', async (client) => {
      await client.query(`
        create table customers (
          id int primary key, name text not null, email text unique, balance numeric(12, 2),
          joined date not null, tags text[]);
        insert into customers
          select g, 'Customer ' || g, 'c' || g || '@example.test', (g * 37 % 100000) / 100.0,
                 date '2020-01-01' + g % 1500, array['t' || g % 7, 't' || g % 11]
          from generate_series(1, 5000) g;
        create table documents (
          id int primary key, customer_id int not null references customers, body bytea not null);
        insert into documents
          select g, 1 + g % 5000,
                 decode(repeat(md5(g::text) || md5((g * 7)::text), 1 + g % 40), 'hex')
          from generate_series(1, 3000) g;
        create table orders (
          id bigserial primary key, customer_id int not null references customers,
          total numeric(10, 2) not null, note jsonb);
        insert into orders (customer_id, total, note)
          select 1 + g % 5000, g % 977 + 0.99, jsonb_build_object('n', g, 'even', g % 2 = 0)
          from generate_series(1, 8000) g;
        create index orders_customer on orders (customer_id);
        create view big_spenders as
          select customer_id, sum(total) as spent from orders group by customer_id having sum(total) > 1000;
      `);
    });

    const sessionsBefore = await dbSessionCount();
    const dumpFile = join(scratch, 'seeded.dump');
    const pgDump = join(postgres.binDir, 'pg_dump');
    const pgRestore = join(postgres.binDir, 'pg_restore');
    const dumped = await cli([
      'db',
      ids.pgInstanceIdentifier,
      '--secret',
      '--database',
      'seeded',
      '--',
      pgDump,
      '--format=custom',
      `--file=${dumpFile}`,
    ]);
    expect(dumped.stderr).not.toContain(postgres.password);
    expect(dumped.code, dumped.stderr).toBe(0);

    const restoredRun = await cli([
      'db',
      ids.pgInstanceIdentifier,
      '--secret',
      '--',
      pgRestore,
      '--exit-on-error',
      '--no-owner',
      '--dbname=restored',
      dumpFile,
    ]);
    expect(restoredRun.code, restoredRun.stderr).toBe(0);
    // Each command had its own Session Manager session to the RDS endpoint.
    expect(await dbSessionCount()).toBe(sessionsBefore + 2);

    // The archive went through the tunnel: the SQL it holds equals that of a direct dump.
    const directDump = join(scratch, 'direct.dump');
    const env = { ...emulatorEnv(emulator.endpoint, scratch), PGPASSWORD: postgres.password };
    const connection = [
      '--host=127.0.0.1',
      `--port=${postgres.port}`,
      `--username=${postgres.user}`,
    ];
    const direct = await run(
      pgDump,
      [...connection, '--format=custom', `--file=${directDump}`, 'seeded'],
      { env },
    );
    expect(direct.code, direct.stderr).toBe(0);
    const viaTunnelSql = await run(pgRestore, ['--file=-', dumpFile]);
    const directSql = await run(pgRestore, ['--file=-', directDump]);
    expect(viaTunnelSql.code).toBe(0);
    expect(viaTunnelSql.stdout.length).toBeGreaterThan(1_000_000);
    expect(digest(withoutRestrictKeys(viaTunnelSql.stdout))).toEqual(
      digest(withoutRestrictKeys(directSql.stdout)),
    );

    // The restored database matches the seeded one row for row, and as a whole.
    const seededDigests = await tableDigests('seeded');
    expect(seededDigests).toEqual(await tableDigests('restored'));
    expect(seededDigests.customers).toMatch(/^5000:/);
    expect(seededDigests.documents).toMatch(/^3000:/);
    expect(seededDigests.orders).toMatch(/^8000:/);
    const plain = async (database: string): Promise<Buffer> => {
      const result = await run(pgDump, [...connection, '--no-owner', database], { env });
      expect(result.code, result.stderr).toBe(0);
      return withoutRestrictKeys(result.stdout);
    };
    expect(digest(await plain('restored'))).toEqual(digest(await plain('seeded')));
    expect((await fileDigest(dumpFile)).length).toBeGreaterThan(100_000);
  });
});

/** A query whose result is large (≈ 170 bytes a row) and reproducible, with an optional gate. */
function bigQuery(rows: number, gate?: { row: number; lockKey: number }): string {
  const gateColumn =
    gate === undefined
      ? 'null::text'
      : `case when g = ${gate.row} then pg_advisory_lock_shared(${gate.lockKey})::text end`;
  return `select g, md5(g::text) as h, repeat(md5((g * 3)::text), 4) as pad, ${gateColumn} as gate
            from generate_series(1, ${rows}) g`;
}

/** A row of {@link bigQuery} in array mode: the number, then text or null. */
type Row = (number | string | null)[];

function serialize(result: pg.QueryArrayResult<Row>): Buffer {
  return Buffer.from(
    result.rows.map((row) => row.map((cell) => cell ?? '\\N').join('\t')).join('\n'),
  );
}

/** Bytes the emulated agent has read from destinations for this session (admin API). */
async function agentBytesToClient(
  target: Emulator,
  sessionId: string,
): Promise<number | undefined> {
  const response = await fetch(`${target.endpoint}/_emulator/state`);
  const state = (await response.json()) as {
    agents?: { sessionId: string; bytesToClient: number }[];
  };
  return state.agents?.find((agent) => agent.sessionId === sessionId)?.bytesToClient;
}

describe('PostgreSQL across forced WebSocket drops', () => {
  it('finishes a long query that was running while the data channel was killed', async () => {
    const rows = 100_000;
    const gate = { row: 40_000, lockKey: 4_242 };
    // Row `gate.row` waits for an advisory lock held elsewhere, so the query has streamed part
    // of its result and is provably still running when the socket is killed.
    const sql = bigQuery(rows, gate);
    // DataRow messages of the rows before the gate: type, length, column count, then each
    // column's length and text (g, its md5, 128 characters of padding, a null gate).
    let rowBytes = 0;
    for (let g = 1; g < gate.row; g++)
      rowBytes += 1 + 4 + 2 + (4 + String(g).length) + 36 + 132 + 4;
    // PostgreSQL sends its output in 8 KiB buffers: at most one may be held back while it waits.
    const flushedBeforeGate = rowBytes - 8_192;
    const holder = await directClient();
    await using tunnel = await openPgTunnel();
    const client = await tunnelClient(tunnel);
    try {
      await holder.query('select pg_advisory_lock($1)', [gate.lockKey]);
      let reconnects = 0;
      tunnel.on('reconnected', () => reconnects++);

      const pending = client.query<Row>({ text: sql, rowMode: 'array' });
      pending.catch(() => undefined);
      const sessionId = tunnel.sessionId!;
      expect(sessionId).toBeDefined();
      await waitFor(
        'the tunneled query to block on the lock with its first rows delivered',
        async () => {
          const { rows: waiting } = await holder.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%generate_series%' and pid <> pg_backend_pid()",
          );
          if (waiting[0]?.n !== '1') return undefined;
          // Next to nothing in flight: the agent read all PostgreSQL flushed before blocking but
          // its last output buffer, and all it read reached the client. (Like the real agent, the
          // emulated one resends one lost message per 100 ms: megabytes lost in a killed socket
          // take minutes to come back, which is not what this test is about.)
          const sent = await agentBytesToClient(emulator, sessionId);
          const received = tunnel.stats().bytesReceived;
          return sent !== undefined && sent === received && received >= flushedBeforeGate
            ? true
            : undefined;
        },
        120_000,
      );
      expect(emulator.dataChannel.killSockets(sessionId)).toBe(1);
      await waitFor('the reconnect', () => (reconnects >= 1 ? true : undefined), 120_000);

      await holder.query('select pg_advisory_unlock($1)', [gate.lockKey]);
      const result = await pending;
      expect(result.rows).toHaveLength(rows);
      const got = serialize(result);
      expect(got.length).toBeGreaterThan(15_000_000);
      const expected = serialize(await holder.query<Row>({ text: sql, rowMode: 'array' }));
      expect(digest(got)).toEqual(digest(expected));

      // Drop it again while the connection is idle: the same connection still answers.
      expect(emulator.dataChannel.killSockets(sessionId)).toBe(1);
      await waitFor('the second reconnect', () => (reconnects >= 2 ? true : undefined), 120_000);
      const after = await client.query<{ n: string }>(
        'select count(*) as n from generate_series(1, 12345)',
      );
      expect(after.rows).toEqual([{ n: '12345' }]);
      expect(tunnel.sessionId).toBe(sessionId);
      expect(tunnel.stats().reconnects).toBe(2);
      expect(tunnel.stats().sessionsStarted).toBe(1);
    } finally {
      await client.end().catch(() => undefined);
      await holder.end();
    }
  });

  it('delivers a large result intact when the socket is killed mid-stream (fast retransmission)', async () => {
    // The emulator's `fast` agent resends every lost message at once; the faithful one resends
    // one per 100 ms, which makes megabytes lost in a killed socket take minutes to recover.
    const fast = await startEmulator({
      port: 0,
      agentRetransmission: 'fast',
      world: realServersWorld({ postgres }),
    });
    try {
      await using tunnel = await openTunnel({
        host: ids.pgEndpoint,
        port: ids.pgPort,
        target: ids.bastionInstanceId,
        endpoint: fast.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const client = await tunnelClient(tunnel);
      try {
        let reconnects = 0;
        tunnel.on('reconnected', () => reconnects++);
        const sql = bigQuery(200_000);
        const pending = client.query<Row>({ text: sql, rowMode: 'array' });
        let settled = false;
        pending.then(
          () => (settled = true),
          () => (settled = true),
        );
        await waitFor(
          'the result to start streaming',
          () => (settled || tunnel.stats().bytesReceived > 2_000_000 ? true : undefined),
          120_000,
          2,
        );
        expect(fast.dataChannel.killSockets(tunnel.sessionId!)).toBe(1);
        await waitFor('the reconnect', () => (reconnects >= 1 ? true : undefined), 120_000);
        const result = await pending;
        expect(result.rows).toHaveLength(200_000);
        const expected = await withDirect('postgres', (direct) =>
          direct.query<Row>({ text: sql, rowMode: 'array' }),
        );
        const got = serialize(result);
        expect(got.length).toBeGreaterThan(30_000_000);
        expect(digest(got)).toEqual(digest(serialize(expected)));
        expect(tunnel.stats().sessionsStarted).toBe(1);
      } finally {
        await client.end().catch(() => undefined);
      }
    } finally {
      await fast.close();
    }
  });
});
