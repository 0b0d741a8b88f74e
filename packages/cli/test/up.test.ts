import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASTION,
  ECHO_HOST,
  echoThrough,
  emulatorState,
  runCli,
  sha256,
  startCli,
  startTestWorld,
  type TestWorld,
} from './helpers.js';

let world: TestWorld;
let directory: string;

beforeAll(async () => {
  world = await startTestWorld();
  directory = mkdtempSync(join(tmpdir(), 'ssm-tunnel-up-'));
  writeFileSync(
    join(directory, 'ssm-tunnel.config.json'),
    JSON.stringify({
      defaults: { region: 'us-east-1', endpointUrl: world.endpoint },
      tunnels: {
        'prod-db': { db: 'demo-db', localPort: 0, description: 'PostgreSQL' },
        'stg-db': { db: 'demo-aurora', reader: true, localPort: 0 },
        'stg-redis': { target: BASTION, host: ECHO_HOST, port: 6379, localPort: 0 },
      },
    }),
  );
  mkdirSync(join(directory, 'nested', 'deeper'), { recursive: true });
});

afterAll(async () => {
  await world?.close();
});

describe('up', () => {
  it('opens several named tunnels in one process (config found from a subdirectory)', async () => {
    const cli = startCli(['up', 'prod-db', 'stg-redis'], {
      env: world.env,
      cwd: join(directory, 'nested', 'deeper'),
    });
    const [, dbPort] = await cli.waitFor(
      /\[prod-db\] Forwarding 127\.0\.0\.1:(\d+) → demo-db\S+:5432 via i-0123456789abcdef0/,
    );
    const [, redisPort] = await cli.waitFor(
      /\[stg-redis\] Forwarding 127\.0\.0\.1:(\d+) → echo\.internal:6379 via i-0123456789abcdef0/,
    );
    await cli.waitFor(/2 tunnels up\. Ctrl-C to stop\./, 'stderr');
    for (const port of [dbPort, redisPort]) {
      const { sent, received } = await echoThrough(Number(port), 50_000);
      expect(sha256(received)).toBe(sha256(sent));
    }
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stderr()).toMatch(/\[prod-db\] Tunnel closed: session test-\w+ terminated/);
    expect(cli.stderr()).toMatch(/\[stg-redis\] Tunnel closed: session test-\w+ terminated/);
    const state = await emulatorState(world.endpoint);
    expect(state.sessions.filter((session) => session.status === 'Connected')).toEqual([]);
  });

  it('fails on an unknown tunnel name with exit code 2', async () => {
    const result = await runCli(['up', 'nope'], { env: world.env, cwd: directory });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error ERR_CLI_UNKNOWN_TUNNEL: No tunnel "nope" in');
    expect(result.stderr).toContain('Configured: prod-db, stg-db, stg-redis.');
  });

  it('points at the bad key of an invalid config', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'ssm-tunnel-bad-'));
    const file = join(bad, 'custom.json');
    writeFileSync(
      file,
      JSON.stringify({
        tunnels: {
          a: { target: BASTION, port: 'x' },
          b: { target: BASTION, port: 1, lcoalPort: 2 },
        },
      }),
    );
    const result = await runCli(['up', '--config', file], { env: world.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error ERR_CLI_CONFIG_FILE: ${file}: tunnels.a.port: Invalid input: expected number, received string; tunnels.b.lcoalPort: unknown key. Hint: Fix the key named above in the config file.\n`,
    );
  });

  it('says where it looked when there is no config', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ssm-tunnel-none-'));
    const result = await runCli(['ls'], { env: world.env, cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error ERR_CLI_CONFIG_FILE: No ssm-tunnel.config.json in ${empty} or its parents.`,
    );
  });
});

describe('ls', () => {
  it('lists the configured tunnels', async () => {
    const result = await runCli(['ls'], { env: world.env, cwd: directory });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "NAME       DESTINATION              LOCAL          VIA                  AWS
      prod-db    db demo-db               127.0.0.1:any  auto                 us-east-1  PostgreSQL
      stg-db     db demo-aurora (reader)  127.0.0.1:any  auto                 us-east-1
      stg-redis  echo.internal:6379       127.0.0.1:any  i-0123456789abcdef0  us-east-1
      "
    `);
  });

  it('--json gives one object per tunnel', async () => {
    const result = await runCli(['ls', '--json'], { env: world.env, cwd: directory });
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; type: string });
    expect(rows.map((row) => [row.type, row.name])).toEqual([
      ['tunnel', 'prod-db'],
      ['tunnel', 'stg-db'],
      ['tunnel', 'stg-redis'],
    ]);
  });
});
