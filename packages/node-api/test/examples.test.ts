// Every example in /examples runs for real, exactly as documented
// (`node --conditions=@ssmkit/source --import tsx examples/<x>.ts`), against the emulator and
// the stand-in database, and must exit by itself with code 0.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { cleanEnvironment, repositoryRoot, runScript, withoutSdkWarning } from './run-script.js';
import { isListening } from './helpers.js';

const emulatorEnvironment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
  cleanEnvironment({ SSMKIT_EXAMPLE_EMULATOR: '1', ...extra });
const temporary = mkdtempSync(join(tmpdir(), 'ssmkit-examples-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

function runExample(name: string, extra: Record<string, string> = {}) {
  return runScript(`examples/${name}`, { cwd: repositoryRoot, env: emulatorEnvironment(extra) });
}

describe.concurrent('examples (emulator mode)', () => {
  test('migrate.ts applies the migrations through the tunnel', async () => {
    const result = await runExample('migrate.ts');
    expect(result.timedOut).toBe(false);
    expect(withoutSdkWarning(result.stderr)).toContain(
      '(emulator mode: AWS_ENDPOINT_URL=http://127.0.0.1:',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^tunnel to demo-db \(demo-db\.abcdefghijkl\.us-east-1\.rds\.amazonaws\.com\) via i-0123456789abcdef0: postgres:\/\/127\.0\.0\.1:\d+$/m,
    );
    expect(result.stdout).toContain(
      'applied 001_create_orders\napplied 002_add_total\napplied 003_index_placed_at\n',
    );
    expect(result.stdout).toContain('migrations done: 3 applied to demo-db');
    expect(result.stdout).toContain('(emulator) demo-db executed 3 statements');
  });

  test('nightly-dump.ts writes a dump whose length and SHA-256 match what the server sent', async () => {
    const dumpFile = join(temporary, 'nightly.dump');
    const result = await runExample('nightly-dump.ts', {
      DUMP_FILE: dumpFile,
      DUMP_BYTES: String(3 * 1024 * 1024 + 7),
    });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    const match = /^dump ok: demo-db, (\d+) bytes, sha256 ([0-9a-f]{64}), file (.+)$/m.exec(
      result.stdout,
    );
    expect(match).not.toBeNull();
    const written = readFileSync(dumpFile);
    expect(Number(match![1])).toBe(3 * 1024 * 1024 + 7);
    expect(written.byteLength).toBe(3 * 1024 * 1024 + 7);
    expect(createHash('sha256').update(written).digest('hex')).toBe(match![2]);
    expect(match![3]).toBe(dumpFile);
    // The progress went to stderr through the logger; stdout has only the results.
    expect(result.stderr).toContain('ssmkit: tunnel closed');
  });

  test('nightly-dump.ts with an ephemeral Fargate bastion stops the task', async () => {
    const dumpFile = join(temporary, 'ephemeral.dump');
    const result = await runExample('nightly-dump.ts', {
      DUMP_FILE: dumpFile,
      SSMKIT_BASTION: 'ephemeral',
    });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('ssmkit: starting ephemeral bastion task');
    expect(result.stderr).toMatch(/ssmkit: session \S+ started on ecs:demo_/);
    expect(result.stderr).toContain('(emulator) ephemeral bastion tasks: 1 started, 1 stopped');
    expect(result.stdout).toMatch(/^dump ok: demo-db, 1048576 bytes/m);
  });

  test('two-tunnels.ts reaches two destinations at once', async () => {
    const result = await runExample('two-tunnels.ts');
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^primary: postgres:\/\/127\.0\.0\.1:\d+ → demo-db \(session test-\w+\)$/m,
    );
    expect(result.stdout).toMatch(
      /^analytics: postgres:\/\/127\.0\.0\.1:\d+ → demo-aurora \(session test-\w+\)$/m,
    );
    expect(result.stdout).toContain(
      'two tunnels open at once via i-0123456789abcdef0 and i-0123456789abcdef0',
    );
  });

  test('vitest-global-setup: a real vitest run whose tests inject the tunnel URL', async () => {
    const result = await runScript(join(repositoryRoot, 'node_modules/vitest/vitest.mjs'), {
      cwd: repositoryRoot,
      env: emulatorEnvironment({ NO_COLOR: '1', CI: '1' }),
      nodeArguments: ['--conditions=@ssmkit/source'],
      arguments: ['run', '--config', 'examples/vitest-global-setup/vitest.config.ts'],
      timeoutMs: 90_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toMatch(/Tests\s+2 passed \(2\)/);
    expect(result.code).toBe(0);
  });
});

describe('jest-global-setup recipe', () => {
  test('globalSetup exposes DATABASE_URL and globalTeardown closes the tunnel', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) {
      if (key.startsWith('AWS_') && !key.startsWith('AWS_SDK_JS_')) delete process.env[key];
    }
    process.env.SSMKIT_EXAMPLE_EMULATOR = '1';
    try {
      const setupUrl = pathToFileURL(
        join(repositoryRoot, 'examples/jest-global-setup/global-setup.ts'),
      ).href;
      const teardownUrl = pathToFileURL(
        join(repositoryRoot, 'examples/jest-global-setup/global-teardown.ts'),
      ).href;
      const { default: globalSetup } = (await import(setupUrl)) as { default: () => Promise<void> };
      const { default: globalTeardown } = (await import(teardownUrl)) as {
        default: () => Promise<void>;
      };
      await globalSetup();
      const url = new URL(process.env.DATABASE_URL!);
      expect(url.protocol).toBe('postgres:');
      expect(url.hostname).toBe('127.0.0.1');
      // A "test worker": a child process started after globalSetup, like jest's, that finds
      // the URL in its environment and logs in through the tunnel.
      const worker = await runScript('--eval', {
        cwd: repositoryRoot,
        env: { ...process.env },
        nodeArguments: ['--conditions=@ssmkit/source', '--import', 'tsx', '--input-type=module'],
        arguments: [
          [
            "import { LineDatabaseClient } from './examples/support/line-db.js';",
            'const url = new URL(process.env.DATABASE_URL);',
            'const client = await LineDatabaseClient.connect({',
            '  host: url.hostname,',
            '  port: Number(url.port),',
            '  user: decodeURIComponent(url.username),',
            '  password: decodeURIComponent(url.password),',
            '});',
            "const answers = [await client.request('NAME')];",
            "await client.exec('SELECT 1');",
            'await client.close();',
            "process.stdout.write(answers.join('\\n'));",
          ].join('\n'),
        ],
      });
      expect(withoutSdkWarning(worker.stderr)).toBe('');
      expect(worker.code).toBe(0);
      expect(worker.stdout).toBe('OK demo-db');
      await globalTeardown();
      expect(process.env.DATABASE_URL).toBeUndefined();
      expect(await isListening(Number(url.port))).toBe(false);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('github-actions/nightly-dump.yml', () => {
  test('runs the nightly-dump example with OIDC credentials and least privileges', () => {
    const workflow = readFileSync(
      join(repositoryRoot, 'examples/github-actions/nightly-dump.yml'),
      'utf8',
    );
    expect(workflow).toContain('run: node --import tsx examples/nightly-dump.ts');
    expect(workflow).toMatch(/permissions:\n {2}contents: read\n {2}id-token: write/);
    expect(workflow).toContain('aws-actions/configure-aws-credentials');
    expect(workflow).not.toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
  });
});
