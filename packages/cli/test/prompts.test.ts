// Pickers on a real pseudo-terminal (util-linux `script`), and their non-TTY counterparts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASTION,
  CLI,
  cliEnv,
  echoThrough,
  runCli,
  sha256,
  startTestWorld,
  type TestWorld,
} from './helpers.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
let world: TestWorld;

beforeAll(async () => {
  world = await startTestWorld();
});

afterAll(async () => {
  await world?.close();
});

const MFA_ROLE = 'arn:aws:iam::000000000000:role/demo-admin-mfa';
const MFA_SERIAL = 'arn:aws:iam::000000000000:mfa/test';

/** Runs the CLI on a pseudo-terminal; `script` passes our stdin to it as keystrokes. */
function onTerminal(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const command = `stty cols 160 rows 50; exec ${process.execPath} ${CLI} ${args.map((arg) => `'${arg}'`).join(' ')}`;
  const env = cliEnv();
  delete env.CI;
  delete env.NO_COLOR;
  Object.assign(env, extraEnv);
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) =>
    child.once('close', (code: number | null) => done(code)),
  );
  const waitFor = async (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\u001B\[[\d;?]*[A-Za-z]/g, '');
      const match = plain.match(pattern);
      if (match !== null) return match;
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${String(pattern)}:\n${plain}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  return {
    child,
    exited,
    waitFor,
    raw: () => output,
    type: (keys: string) => child.stdin.write(keys),
  };
}

describe.skipIf(!hasScript)('pickers on a terminal', () => {
  it('db without an identifier asks which database; Ctrl-C on the terminal stops it', async () => {
    const cli = onTerminal(['db', '--local-port', '0', '--endpoint-url', world.endpoint]);
    await cli.waitFor(/Database[\s\S]*demo-db[\s\S]*demo-aurora/);
    cli.type('\u001B[B'); // arrow down: demo-aurora
    await new Promise((done) => setTimeout(done, 200));
    cli.type('\r');
    await cli.waitFor(/Forwarding 127\.0\.0\.1:\d+ → demo-aurora\.cluster-abcdefghijkl/);
    cli.type('\u0003');
    expect(await cli.exited).toBe(0);
    await cli.waitFor(/Tunnel closed: session test-\w+ terminated/);
  });

  it('asks for the MFA code of --mfa-serial', async () => {
    const cli = onTerminal([
      'forward',
      '--target',
      BASTION,
      '--port',
      '7000',
      '--local-port',
      '0',
      '--role-arn',
      MFA_ROLE,
      '--mfa-serial',
      MFA_SERIAL,
      '--endpoint-url',
      world.endpoint,
    ]);
    await cli.waitFor(/MFA code for arn:aws:iam::000000000000:mfa\/test/);
    cli.type('123456\r');
    await cli.waitFor(/Forwarding 127\.0\.0\.1:\d+ → i-0123456789abcdef0:7000/);
    cli.type('\u0003');
    expect(await cli.exited).toBe(0);
  });

  it('forward without --target offers the bastions found, and the tunnel carries traffic', async () => {
    const cli = onTerminal([
      'forward',
      '--port',
      '7000',
      '--local-port',
      '0',
      '--endpoint-url',
      world.endpoint,
    ]);
    await cli.waitFor(/Bastion[\s\S]*i-0123456789abcdef0[\s\S]*Enter a target…/);
    cli.type('\r');
    const [, port] = await cli.waitFor(/Forwarding 127\.0\.0\.1:(\d+) → i-0123456789abcdef0:7000/);
    const { sent, received } = await echoThrough(Number(port), 50_000);
    expect(received.length).toBe(sent.length);
    expect(sha256(received)).toBe(sha256(sent));
    cli.type('\u0003');
    expect(await cli.exited).toBe(0);
  });

  it('"Enter a target…" asks for one as text', async () => {
    const cli = onTerminal([
      'forward',
      '--port',
      '7000',
      '--local-port',
      '0',
      '--endpoint-url',
      world.endpoint,
    ]);
    await cli.waitFor(/Enter a target…/);
    cli.type('\u001B[B'); // arrow down: Enter a target…
    await new Promise((done) => setTimeout(done, 200));
    cli.type('\r');
    await cli.waitFor(/Target/);
    cli.type('param:/demo/bastion/instance-id\r');
    await cli.waitFor(/Forwarding 127\.0\.0\.1:\d+ → i-0123456789abcdef0:7000/);
    cli.type('\u0003');
    expect(await cli.exited).toBe(0);
  });

  it('without credentials or region it asks for the profile, then the region', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ssm-tunnel-profiles-'));
    try {
      // Two profiles and no region anywhere; only `ops` has keys the emulator accepts.
      writeFileSync(join(directory, 'config'), '[profile dev]\n[profile ops]\n');
      writeFileSync(
        join(directory, 'credentials'),
        '[dev]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n' +
          '[ops]\naws_access_key_id = test\naws_secret_access_key = test\n',
      );
      const cli = onTerminal(
        [
          'forward',
          '--target',
          BASTION,
          '--port',
          '7000',
          '--local-port',
          '0',
          '--endpoint-url',
          world.endpoint,
        ],
        {
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_REGION: undefined,
          AWS_CONFIG_FILE: join(directory, 'config'),
          AWS_SHARED_CREDENTIALS_FILE: join(directory, 'credentials'),
        },
      );
      await cli.waitFor(/AWS profile[\s\S]*dev[\s\S]*ops/);
      cli.type('\u001B[B'); // arrow down: ops
      await new Promise((done) => setTimeout(done, 200));
      cli.type('\r');
      await cli.waitFor(/AWS region[\s\S]*us-east-1[\s\S]*us-west-2/);
      cli.type('\r'); // us-east-1, the first
      const [, port] = await cli.waitFor(
        /Forwarding 127\.0\.0\.1:(\d+) → i-0123456789abcdef0:7000/,
      );
      const { sent, received } = await echoThrough(Number(port), 50_000);
      expect(received.length).toBe(sent.length);
      expect(sha256(received)).toBe(sha256(sent));
      cli.type('\u0003');
      expect(await cli.exited).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('a cancelled picker exits 130', async () => {
    const cli = onTerminal(['db', '--endpoint-url', world.endpoint]);
    await cli.waitFor(/demo-aurora/);
    cli.type('\u0003');
    expect(await cli.exited).toBe(130);
  });
});

describe.skipIf(!hasScript)('colour on a terminal', () => {
  it('colours errors on a terminal, and NO_COLOR turns it off', async () => {
    const args = ['forward', '--target', 'tag:oops', '--port', '22'];
    const coloured = onTerminal(args);
    expect(await coloured.exited).toBe(2);
    await coloured.waitFor(/error ERR_CLI_USAGE: --target tag:oops/);
    expect(coloured.raw()).toContain('\u001B[31merror\u001B[39m ERR_CLI_USAGE');
    const plain = onTerminal(args, { NO_COLOR: '1' });
    expect(await plain.exited).toBe(2);
    await plain.waitFor(/error ERR_CLI_USAGE: --target tag:oops/);
    expect(plain.raw()).not.toContain('\u001B[');
  });
});

describe('MFA without a terminal', () => {
  it('fails naming --mfa-code, and takes it from the flag or SSMKIT_MFA_CODE', async () => {
    const base = [
      'forward',
      '--target',
      BASTION,
      '--port',
      '7000',
      '--local-port',
      '0',
      '--role-arn',
      MFA_ROLE,
      '--mfa-serial',
      MFA_SERIAL,
      '--json',
      '--endpoint-url',
      world.endpoint,
    ];
    const missing = await runCli(base, { env: world.env });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('"code":"ERR_CLI_NOT_INTERACTIVE"');
    expect(missing.stdout).toContain('Pass --mfa-code <123456> or set SSMKIT_MFA_CODE.');
    const wrong = await runCli([...base, '--mfa-code', '000000'], { env: world.env });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toMatch(/"code":"ERR_AWS_(MFA|ASSUME_ROLE|ACCESS_DENIED)"/);
    expect(wrong.stdout).not.toContain('000000"');
  });

  it('SSMKIT_MFA_CODE opens the tunnel as the assumed role', async () => {
    const { startCli } = await import('./helpers.js');
    const cli = startCli(
      [
        'forward',
        '--target',
        BASTION,
        '--port',
        '7000',
        '--local-port',
        '0',
        '--role-arn',
        MFA_ROLE,
        '--mfa-serial',
        MFA_SERIAL,
        '--json',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: { ...world.env, SSMKIT_MFA_CODE: '123456' } },
    );
    await cli.waitFor(/"type":"ready"/);
    expect(cli.stdout()).toContain('"arn":"arn:aws:sts::000000000000:assumed-role/demo-admin-mfa/');
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});
