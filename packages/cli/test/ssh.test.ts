import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASTION, CLI, runCli, sha256, startTestWorld, type TestWorld } from './helpers.js';

let world: TestWorld;

beforeAll(async () => {
  world = await startTestWorld();
});

afterAll(async () => {
  await world?.close();
});

describe('ssh-proxy', () => {
  it('carries stdin/stdout byte-exact with nothing else on stdout', async () => {
    const payload = randomBytes(300_000);
    const child = spawn(
      process.execPath,
      [CLI, 'ssh-proxy', BASTION, '22', '--endpoint-url', world.endpoint],
      {
        env: world.env,
      },
    );
    const chunks: Buffer[] = [];
    let received = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const all = new Promise<void>((done) => {
      child.stdout.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= payload.length) done();
      });
    });
    child.stdin.write(payload);
    await all;
    child.stdin.end();
    const [code] = (await once(child, 'close')) as [number | null];
    const output = Buffer.concat(chunks);
    expect(output.length).toBe(payload.length);
    expect(sha256(output)).toBe(sha256(payload));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });

  it('reports errors on stderr only, with the exit code of the error class', async () => {
    const result = await runCli(
      ['ssh-proxy', 'i-0000000000000000f', '22', '--endpoint-url', world.endpoint],
      {
        env: world.env,
      },
    );
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error ERR_TARGET_\w+: /);
  });
});

describe('ssh-config', () => {
  it('prints the Host block', async () => {
    const result = await runCli(['ssh-config', '--profile', 'prod', '--user', 'ec2-user']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "# SSH over Session Manager (ssm-tunnel). Paste into ~/.ssh/config.
      Host i-* mi-*
        ProxyCommand ssm-tunnel ssh-proxy %h %p --profile prod
        User ec2-user
        StrictHostKeyChecking accept-new
        ServerAliveInterval 60
      "
    `);
  });
});
