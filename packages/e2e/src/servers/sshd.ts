import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
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

/** A private sshd on 127.0.0.1 that lets this user in with a key generated for the run. */
export interface SshServer {
  host: '127.0.0.1';
  port: number;
  /** The user to log in as (the one running the suite). */
  user: string;
  /** The client's private key (`ssh -i`). */
  clientKey: string;
  /** The server's public host key line (`ssh-ed25519 AAAA…`), for a known_hosts file. */
  hostKey: string;
  /** Scratch space inside the server's temp directory, for files the tests move. */
  dataDir: string;
  dir: string;
  /** The `ssh` client binary. */
  ssh: string;
  /** The `scp` client binary. */
  scp: string;
  /** The `sftp` client binary. */
  sftp: string;
  /**
   * Client options (`-o …` pairs and `-i`) that ignore the user's own ssh configuration, trust
   * only this server's host key under `hostAlias`, and never prompt.
   */
  clientOptions(hostAlias: string): Promise<string[]>;
  /** Stop sshd and remove its directory. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** Resolves with the server's identification line once sshd answers on the port. */
function readBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end >= 0) {
        socket.destroy();
        resolve(received.slice(0, end).trim());
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the banner')));
  });
}

/**
 * Start sshd in the foreground with its own host key and configuration (no PAM, keys only,
 * authorized keys in the temp directory) on a free loopback port.
 */
export async function startSshd(): Promise<SshServer> {
  const sshd = findBinary('OpenSSH server (sshd)', ['/usr/sbin/sshd']);
  const sftpServer = findBinary('OpenSSH sftp-server', [
    '/usr/lib/openssh/sftp-server',
    '/usr/libexec/openssh/sftp-server',
    '/usr/libexec/sftp-server',
  ]);
  const sshKeygen = findBinary('ssh-keygen', ['ssh-keygen', '/usr/bin/ssh-keygen']);
  const ssh = findBinary('OpenSSH client (ssh)', ['ssh', '/usr/bin/ssh']);
  const scp = findBinary('OpenSSH client (scp)', ['scp', '/usr/bin/scp']);
  const sftp = findBinary('OpenSSH client (sftp)', ['sftp', '/usr/bin/sftp']);

  const dir = await makeTempDir('sshd');
  const dataDir = join(dir, 'data');
  const hostKeyFile = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  const user = userInfo().username;

  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child !== undefined) await stopChild(child, 'SIGTERM', 30_000);
      await removeDir(dir);
    })());

  try {
    await mkdir(dataDir);
    // As root, sshd chroots its unprivileged child into /run/sshd and refuses to start without it.
    if (isRoot()) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await runOk(sshKeygen, [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'ssmkit-e2e-host',
      '-f',
      hostKeyFile,
    ]);
    await runOk(sshKeygen, [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'ssmkit-e2e-client',
      '-f',
      clientKey,
    ]);
    const hostKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
    await writeFile(join(dir, 'authorized_keys'), await readFile(`${clientKey}.pub`, 'utf8'), {
      mode: 0o600,
    });

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'sshd_config');
      await writeFile(
        config,
        [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${hostKeyFile}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'StrictModes no',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'PermitRootLogin prohibit-password',
          `AllowUsers ${user}`,
          'X11Forwarding no',
          'PrintMotd no',
          'UseDNS no',
          'LogLevel INFO',
          `Subsystem sftp ${sftpServer}`,
          '',
        ].join('\n'),
      );
      const errors: Buffer[] = [];
      // -D: stay in the foreground (a child we can stop); -e: log to stderr.
      const started = spawn(sshd, ['-D', '-e', '-f', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      started.stderr.on('data', (chunk: Buffer) => {
        if (errors.length < 200) errors.push(chunk);
      });
      child = started;
      const exited = new Promise<string>((resolve) =>
        started.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`)),
      );
      const ready = waitFor(
        'sshd to answer',
        async () => {
          if (started.exitCode !== null || started.signalCode !== null) return 'exited';
          const banner = await readBanner(port);
          return banner.startsWith('SSH-2.0-') ? 'ready' : undefined;
        },
        60_000,
        50,
      );
      const outcome = await Promise.race([ready, exited]);
      if (outcome === 'ready') {
        const clientOptions = async (hostAlias: string): Promise<string[]> => {
          const knownHosts = join(dir, 'known_hosts');
          await writeFile(knownHosts, `${hostAlias} ${hostKey}\n`);
          return [
            '-F',
            '/dev/null',
            '-i',
            clientKey,
            '-o',
            'IdentitiesOnly=yes',
            '-o',
            `UserKnownHostsFile=${knownHosts}`,
            '-o',
            'GlobalKnownHostsFile=/dev/null',
            '-o',
            'StrictHostKeyChecking=yes',
            '-o',
            'BatchMode=yes',
            '-o',
            'ConnectTimeout=60',
            '-o',
            'LogLevel=ERROR',
          ];
        };
        return {
          host: '127.0.0.1',
          port,
          user,
          clientKey,
          hostKey,
          dataDir,
          dir,
          ssh,
          scp,
          sftp,
          clientOptions,
          stop,
        };
      }
      const log = Buffer.concat(errors).toString('utf8');
      child = undefined;
      if (attempt >= 3 || !/Address already in use|Cannot bind/.test(log)) {
        throw new Error(`sshd ${outcome}: ${log.slice(-2000)}`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
