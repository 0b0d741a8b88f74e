/**
 * Nightly database dump in CI (see github-actions/nightly-dump.yml): open a tunnel with the
 * credentials the CI job has (GitHub OIDC → an IAM role), run the dump through it, verify it,
 * and always close the tunnel (and stop the Fargate bastion if one was started).
 *
 *   DB_IDENTIFIER=orders-db DUMP_FILE=orders.dump node --import tsx examples/nightly-dump.ts
 *   SSMKIT_EXAMPLE_EMULATOR=1 node --conditions=@ssmkit/source --import tsx examples/nightly-dump.ts
 *
 * Against AWS the dump is `pg_dump --format=custom` (install postgresql-client on the runner).
 * With `SSMKIT_BASTION=ephemeral` a throw-away Fargate task from the ECS service
 * `SSMKIT_ECS_CLUSTER`/`SSMKIT_ECS_SERVICE` is the bastion (no instance to keep running).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// In your project: import { openDatabaseTunnel, type DatabaseTunnel } from '@ssmkit/node-api';
import { openDatabaseTunnel, type DatabaseTunnel } from '../packages/node-api/src/index.js';
import { startExampleEnvironment } from './support/example-environment.js';
import { LineDatabaseClient } from './support/line-db.js';

const dumpFile =
  process.env.DUMP_FILE ??
  join(tmpdir(), `ssmkit-dump-${new Date().toISOString().slice(0, 10)}.dump`);

/** pg_dump through the tunnel; the password goes in the environment, never in argv. */
async function pgDump(db: DatabaseTunnel): Promise<void> {
  const { host, port, user, password, database } = db.connection;
  const child = spawn(
    'pg_dump',
    [
      '--host',
      host,
      '--port',
      String(port),
      '--username',
      user ?? 'postgres',
      '--format=custom',
      '--file',
      dumpFile,
      database ?? 'postgres',
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, PGPASSWORD: password ?? '', PGCONNECT_TIMEOUT: '30' },
    },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`pg_dump exited with ${code}`);
}

/** The stand-in's dump: bytes plus the SHA-256 the server announced, checked end to end. */
async function standInDump(db: DatabaseTunnel): Promise<void> {
  const client = await LineDatabaseClient.connect({
    host: db.connection.host,
    port: db.connection.port,
    user: db.connection.user ?? '',
    password: db.connection.password ?? '',
  });
  try {
    const { bytes, announcedSha256 } = await client.dump(
      Number(process.env.DUMP_BYTES ?? 1_048_576),
    );
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== announcedSha256)
      throw new Error(`dump corrupted: sha256 ${actual}, server said ${announcedSha256}`);
    writeFileSync(dumpFile, bytes);
  } finally {
    await client.close();
  }
}

const environment = await startExampleEnvironment();
try {
  const ephemeral = process.env.SSMKIT_BASTION === 'ephemeral';
  await using db = await openDatabaseTunnel({
    db: process.env.DB_IDENTIFIER ?? 'demo-db',
    reason: `nightly dump${process.env.GITHUB_RUN_ID === undefined ? '' : ` (GitHub run ${process.env.GITHUB_RUN_ID})`}`,
    ...(ephemeral
      ? {
          target: {
            ephemeral: {
              cluster: process.env.SSMKIT_ECS_CLUSTER ?? 'demo',
              service: process.env.SSMKIT_ECS_SERVICE ?? 'bastion',
            },
          },
        }
      : {}),
    // Print progress to stderr (a library never prints on its own).
    logger: {
      info: (message) => console.error(`ssmkit: ${message}`),
      warn: (message) => console.error(`ssmkit: ${message}`),
    },
    // A CI job must not hang: give up opening after 5 minutes (an ephemeral task is then stopped).
    signal: AbortSignal.timeout(300_000),
  });
  if (environment.mode === 'emulator') await standInDump(db);
  else await pgDump(db);
  const written = readFileSync(dumpFile);
  const sha256 = createHash('sha256').update(written).digest('hex');
  console.log(
    `dump ok: ${db.database.identifier}, ${written.byteLength} bytes, sha256 ${sha256}, file ${dumpFile}`,
  );
  console.log(`tunnel stats: ${JSON.stringify({ ...db.stats(), sessionId: undefined })}`);
} finally {
  await environment.close();
}
