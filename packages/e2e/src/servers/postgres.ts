import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MissingBinaryError,
  asUser,
  findBinary,
  freePort,
  isRoot,
  makeTempDir,
  removeDir,
  run,
  runOk,
} from './process.js';

/** A private PostgreSQL instance on 127.0.0.1, with a password-protected superuser. */
export interface PostgresServer {
  host: '127.0.0.1';
  port: number;
  /** The superuser the suites log in as (password auth, SCRAM). */
  user: string;
  password: string;
  /** The directory of initdb, pg_dump, pg_restore, psql… of the running version. */
  binDir: string;
  /** The temp directory that holds the data directory, the socket and the log. */
  dir: string;
  /** Stop the server and remove its directory. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** The bin directory of the newest Debian PostgreSQL (`/usr/lib/postgresql/<ver>/bin`), or PATH's. */
export function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest !== undefined) {
    const binDir = join(root, newest, 'bin');
    for (const tool of ['pg_ctl', 'postgres', 'pg_dump', 'pg_restore']) {
      if (!existsSync(join(binDir, tool))) {
        throw new MissingBinaryError(`PostgreSQL's ${tool}`, [join(binDir, tool)]);
      }
    }
    return binDir;
  }
  const initdb = findBinary('PostgreSQL (initdb)', [`${root}/<version>/bin/initdb`, 'initdb']);
  return initdb.slice(0, initdb.lastIndexOf('/'));
}

async function systemIds(user: string): Promise<{ uid: number; gid: number }> {
  const uid = await runOk('id', ['-u', user]);
  const gid = await runOk('id', ['-g', user]);
  return { uid: Number(uid.stdout.toString().trim()), gid: Number(gid.stdout.toString().trim()) };
}

/**
 * initdb a fresh cluster in a temp directory and start it on a free loopback port. PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` system user.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  const runAs = isRoot() ? 'postgres' : undefined;
  const dir = await makeTempDir('pg');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const user = 'ssmkit';
  const password = randomBytes(18).toString('base64url');
  const pgCtl = join(binDir, 'pg_ctl');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // postmaster.pid exists while a server runs in the data directory (even a half-started one).
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        const fast = await run(
          ...asUser(runAs, pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']),
          { timeoutMs: 90_000 },
        ).catch(() => undefined);
        if (fast?.code !== 0) {
          await run(...asUser(runAs, pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop'])).catch(
            () => undefined,
          );
        }
      }
      await removeDir(dir);
    })());

  try {
    // As root, the server's user must own its directory and be able to read the password file.
    const owner =
      runAs === undefined
        ? undefined
        : await systemIds(runAs).catch(() => {
            throw new Error(
              `the \`${runAs}\` system user is missing (PostgreSQL does not run as root): run \`bash scripts/install-system-deps.sh\``,
            );
          });
    if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
    const pwFile = join(dir, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (owner !== undefined) await chown(pwFile, owner.uid, owner.gid);
    await runOk(
      ...asUser(runAs, join(binDir, 'initdb'), [
        '-D',
        dataDir,
        '-U',
        user,
        `--pwfile=${pwFile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ]),
    );
    await removeDir(pwFile);

    // A port picked just before may be taken by the time the server binds: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const options = [
        `-c listen_addresses=127.0.0.1`,
        `-c port=${port}`,
        `-c unix_socket_directories=${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=40',
        '-c shared_buffers=64MB',
      ].join(' ');
      const [file, args] = asUser(runAs, pgCtl, [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '120',
        '-o',
        options,
        'start',
      ]);
      const result = await run(file, args, { timeoutMs: 150_000 });
      if (result.code === 0) {
        return { host: '127.0.0.1', port, user, password, binDir, dir, stop };
      }
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt >= 3 || !/could not bind|Address already in use/.test(log)) {
        throw new Error(`PostgreSQL did not start: ${result.stderr.trim()}\n${log.slice(-2000)}`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
