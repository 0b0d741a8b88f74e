import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  findBinary,
  freePort,
  isRoot,
  makeTempDir,
  removeDir,
  runOk,
  stopChild,
  waitFor,
} from './process.js';

/** A private MariaDB instance on 127.0.0.1 with a password-protected user that may do anything. */
export interface MariaDbServer {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  /** A database created for the suites, owned by `user`. */
  database: string;
  dir: string;
  /** Stop the server and remove its directory. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** The `max_allowed_packet` the server runs with: room for a 50 MB blob in one statement. */
export const MARIADB_MAX_PACKET = 256 * 1024 * 1024;

/**
 * mariadb-install-db a fresh data directory in a temp directory and run mariadbd in the
 * foreground on a free loopback port (as root: `--user=root`, no system service involved).
 */
export async function startMariaDb(): Promise<MariaDbServer> {
  const mariadbd = findBinary('MariaDB server (mariadbd)', [
    '/usr/sbin/mariadbd',
    'mariadbd',
    '/usr/sbin/mysqld',
  ]);
  const installDb = findBinary('mariadb-install-db', [
    '/usr/bin/mariadb-install-db',
    'mariadb-install-db',
    'mysql_install_db',
  ]);
  const dir = await makeTempDir('mariadb');
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  const logFile = join(dir, 'mariadb.err');
  const userArgs = isRoot() ? ['--user=root'] : [];
  const user = 'ssmkit';
  const password = randomBytes(18).toString('base64url');
  const database = 'ssmkit_e2e';

  let child: ReturnType<typeof spawn> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child !== undefined) await stopChild(child, 'SIGTERM', 60_000);
      await removeDir(dir);
    })());

  try {
    await runOk(
      installDb,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        ...userArgs,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      { timeoutMs: 180_000 },
    );

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const log = createWriteStream(join(dir, 'mariadbd.out'));
      const started = spawn(
        mariadbd,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--socket=${socket}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--pid-file=${join(dir, 'mariadb.pid')}`,
          `--log-error=${logFile}`,
          `--max-allowed-packet=${MARIADB_MAX_PACKET}`,
          '--skip-name-resolve',
          '--skip-log-bin',
          '--character-set-server=utf8mb4',
          '--collation-server=utf8mb4_unicode_ci',
          '--innodb-buffer-pool-size=64M',
          '--innodb-flush-log-at-trx-commit=0',
          '--innodb-doublewrite=0',
          ...userArgs,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      started.stdout.pipe(log);
      started.stderr.pipe(log);
      child = started;
      const exited = new Promise<string>((resolve) =>
        started.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`)),
      );
      const ready = waitFor(
        'MariaDB to accept connections',
        async () => {
          if (started.exitCode !== null || started.signalCode !== null) return 'exited';
          const connection = await mysql.createConnection({ socketPath: socket, user: 'root' });
          await connection.end();
          return 'ready';
        },
        120_000,
        100,
      );
      const outcome = await Promise.race([ready, exited]);
      if (outcome === 'ready') return await finishSetup(port);
      const errors = await readFile(logFile, 'utf8').catch(() => '');
      child = undefined;
      if (attempt >= 3 || !/Address already in use|Can't start server/.test(errors)) {
        throw new Error(`mariadbd ${outcome}: ${errors.slice(-2000)}`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  async function finishSetup(port: number): Promise<MariaDbServer> {
    const root = await mysql.createConnection({ socketPath: socket, user: 'root' });
    try {
      await root.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
      await root.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [user, password]);
      await root.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'127.0.0.1'`, [user]);
    } finally {
      await root.end();
    }
    return { host: '127.0.0.1', port, user, password, database, dir, stop };
  }
}
