// The real OpenSSH client and server, with `ssm-tunnel ssh-proxy %h %p` as ProxyCommand: the
// bastion's port 22 (AWS-StartSSHSession) leads to a private sshd.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@ssmkit/emulator';
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
  startSshd,
  type RunResult,
  type SshServer,
} from '../../src/servers/index.js';

const ids = REAL_SERVERS_IDS;
const FILE_BYTES = 32 * 1024 * 1024;

let sshd: SshServer;
let emulator: Emulator;
let scratch: string;
let options: string[];
let env: NodeJS.ProcessEnv;

/** One shell word (ssh runs ProxyCommand through the user's shell). */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

beforeAll(async () => {
  scratch = await makeTempDir('ssh-files');
  sshd = await startSshd();
  emulator = await startEmulator({ port: 0, world: realServersWorld({ sshd }) });
  const [node, flags] = cliCommand();
  const proxy = [node, ...flags].map(shellQuote).join(' ');
  options = [
    ...(await sshd.clientOptions(ids.bastionInstanceId)),
    '-o',
    `ProxyCommand=${proxy} ssh-proxy %h %p`,
    '-o',
    `User=${sshd.user}`,
  ];
  env = emulatorEnv(emulator.endpoint, scratch);
}, 180_000);

afterAll(async () => {
  await emulator?.close();
  await sshd?.stop();
  if (scratch !== undefined) await removeDir(scratch);
}, 180_000);

function expectSuccess(result: RunResult): void {
  expect(result.code, result.stderr).toBe(0);
}

describe('OpenSSH through `ssm-tunnel ssh-proxy`', () => {
  it('runs a remote command on the server behind the bastion', async () => {
    const result = await run(
      sshd.ssh,
      [
        ...options,
        ids.bastionInstanceId,
        'echo "answer=$((6 * 7))"; echo "port=${SSH_CONNECTION##* }"',
      ],
      { env, timeoutMs: 150_000 },
    );
    expectSuccess(result);
    // The host key was checked against the private sshd's (StrictHostKeyChecking=yes), and the
    // connection arrived on its port.
    expect(result.stdout.toString('utf8')).toBe(`answer=42\nport=${sshd.port}\n`);
    expect(result.stderr).not.toMatch(/warning|error/i);
  });

  it('copies a 32 MiB file up with scp and back with sftp, unchanged both ways', async () => {
    const local = join(scratch, 'random.bin');
    const remote = join(sshd.dataDir, 'uploaded.bin');
    const downloaded = join(scratch, 'downloaded.bin');
    const original = randomBytes(FILE_BYTES);
    await writeFile(local, original);
    const expected = digest(original);

    const upload = await run(
      sshd.scp,
      [...options, '-q', local, `${ids.bastionInstanceId}:${remote}`],
      {
        env,
        timeoutMs: 170_000,
      },
    );
    expectSuccess(upload);
    expect(await fileDigest(remote)).toEqual(expected);
    // The server agrees, asked over the same kind of connection.
    const remoteSum = await run(
      sshd.ssh,
      [...options, ids.bastionInstanceId, `sha256sum ${remote}`],
      {
        env,
        timeoutMs: 150_000,
      },
    );
    expectSuccess(remoteSum);
    expect(remoteSum.stdout.toString('utf8').split(' ')[0]).toBe(expected.sha256);

    const batch = join(scratch, 'sftp-batch');
    await writeFile(batch, `get ${remote} ${downloaded}\n`);
    const download = await run(sshd.sftp, [...options, '-q', '-b', batch, ids.bastionInstanceId], {
      env,
      timeoutMs: 170_000,
    });
    expectSuccess(download);
    expect(await fileDigest(downloaded)).toEqual(expected);
  });
});
