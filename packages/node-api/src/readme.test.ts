// The README cannot drift from the code: every error code a caller can get and every option the
// zod schemas accept has a row in its tables, the defaults shown are the code's, the debug
// namespace is the one the package logs under, and the smallest example runs for real.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultReconnectPolicy } from '@ssmkit/core';
import { startEmulator } from '@ssmkit/emulator';
import { describe, expect, test } from 'vitest';
import { cleanEnvironment, packageDirectory, runScript } from '../test/run-script.js';
import { openDatabaseTunnelOptionsSchema } from './database-tunnel.js';
import {
  AwsErrorCode,
  ConfigErrorCode,
  EndpointErrorCode,
  SSMKIT_TARGET_ENV,
  TargetErrorCode,
  TunnelErrorCode,
} from './index.js';
import { log } from './internal/log.js';
import { openTunnelsOptionsSchema, tunnelSpecSchema } from './open-tunnels.js';
import { openTunnelOptionsSchema } from './options.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The text of a `## heading` (or `### heading`) section, up to the next heading of its level. */
function section(heading: string): string {
  const level = /^#+/.exec(heading)![0];
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README section "${heading}"`).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^${level} `, 'm'));
  return end === -1 ? rest : rest.slice(0, end);
}

/** The first cell of every table row in `text` that is a code span: `| \`name\` |`. */
function rowNames(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1]!);
}

/** The row of `name` in `text`. */
function row(text: string, name: string): string {
  return text.split('\n').find((line) => line.startsWith(`| \`${name}\` `)) ?? '';
}

/** Every `'ERR_…'` literal in this package's non-test sources: the codes it throws itself. */
function codesThrownHere(): string[] {
  const codes = new Set<string>();
  const visit = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/'(ERR_[A-Z_]+)'/g)) {
          codes.add(match[1]!);
        }
      }
    }
  };
  visit(join(packageDirectory, 'src'));
  return [...codes].sort();
}

describe('README: error codes', () => {
  const errors = section('## Error codes');
  const own = errors.slice(0, errors.indexOf('**Passed through from'));
  const passedThrough = errors.slice(errors.indexOf('**Passed through from'));

  test('finds the codes this package throws itself', () => {
    expect(codesThrownHere()).toEqual(['ERR_CONFIG_INVALID_OPTION', 'ERR_TUNNEL_CLOSED']);
  });

  test.each(codesThrownHere())('documents %s under "Thrown by this package itself"', (code) => {
    expect(rowNames(own)).toContain(code);
  });

  test.each([
    ...Object.values(ConfigErrorCode),
    ...Object.values(AwsErrorCode),
    ...Object.values(TargetErrorCode),
    ...Object.values(EndpointErrorCode),
    ...Object.values(TunnelErrorCode),
  ])('documents %s, which a caller can get', (code) => {
    expect([...rowNames(own), ...rowNames(passedThrough)]).toContain(code);
  });

  test('lists no code that does not exist', () => {
    const known = new Set<string>([
      ...Object.values(ConfigErrorCode),
      ...Object.values(AwsErrorCode),
      ...Object.values(TargetErrorCode),
      ...Object.values(EndpointErrorCode),
      ...Object.values(TunnelErrorCode),
    ]);
    for (const code of rowNames(errors)) expect(known.has(code), code).toBe(true);
  });
});

describe('README: options', () => {
  const options = section('## Options');
  const database = section('## openDatabaseTunnel');
  const group = section('## openTunnels');

  test.each(Object.keys(openTunnelOptionsSchema.shape))(
    'the options table has a row for `%s`',
    (key) => {
      expect(rowNames(options)).toContain(key);
    },
  );

  test('the options table has no row for an option that does not exist', () => {
    expect(rowNames(options).sort()).toEqual(Object.keys(openTunnelOptionsSchema.shape).sort());
  });

  const databaseOnly = Object.keys(openDatabaseTunnelOptionsSchema.shape).filter(
    (key) => !(key in openTunnelOptionsSchema.shape) || key === 'port',
  );
  test.each(databaseOnly)('the openDatabaseTunnel table has a row for `%s`', (key) => {
    expect(rowNames(database)).toContain(key);
  });

  test('openDatabaseTunnel takes every openTunnel option but `host`', () => {
    const tunnelKeys = Object.keys(openTunnelOptionsSchema.shape).filter((key) => key !== 'host');
    expect(Object.keys(openDatabaseTunnelOptionsSchema.shape)).toEqual(
      expect.arrayContaining(tunnelKeys),
    );
    expect(Object.keys(openDatabaseTunnelOptionsSchema.shape)).not.toContain('host');
  });

  test('the openTunnels section names every option of its own', () => {
    const ownKeys = [
      ...Object.keys(tunnelSpecSchema.shape).filter(
        (key) => !(key in openTunnelOptionsSchema.shape),
      ),
      ...Object.keys(openTunnelsOptionsSchema.shape).filter(
        (key) => !(key in openTunnelOptionsSchema.shape) || key === 'signal' || key === 'logger',
      ),
    ];
    expect(ownKeys).toEqual(['name', 'signal', 'logger']);
    for (const key of ownKeys) expect(rowNames(group)).toContain(key);
    for (const key of Object.keys(openTunnelsOptionsSchema.shape)) {
      expect(group).toContain(`\`${key}\``);
    }
  });

  test('the defaults and env vars shown are the code’s', () => {
    const { retries, baseDelayMs, maxDelayMs } = defaultReconnectPolicy;
    const underscored = (value: number): string =>
      value >= 1_000 ? value.toLocaleString('en-US').replaceAll(',', '_') : String(value);
    expect(row(options, 'reconnect')).toContain(
      `{ retries: ${retries}, baseDelayMs: ${underscored(baseDelayMs)}, maxDelayMs: ${underscored(maxDelayMs)} }`,
    );
    expect(row(options, 'target')).toContain(`\`${SSMKIT_TARGET_ENV}\``);
    expect(row(options, 'bindAddress')).toContain("`'127.0.0.1'`");
    expect(row(options, 'localPort')).toContain('`0`');
    expect(row(options, 'keepAlive')).toContain('`false`');
    expect(row(options, 'region')).toContain('`AWS_REGION`');
    expect(row(options, 'profile')).toContain('`AWS_PROFILE`');
    expect(row(options, 'endpoint')).toContain('`AWS_ENDPOINT_URL`');
  });
});

describe('README: debugging', () => {
  test('documents the namespace this package logs under', () => {
    const debugging = section('## Debugging');
    expect(log.namespace).toBe('ssmkit:node-api');
    expect(rowNames(debugging)).toEqual(
      expect.arrayContaining([log.namespace, `${log.namespace}:error`, `${log.namespace}:trace`]),
    );
    expect(debugging).toContain(`DEBUG=${log.namespace} `);
  });
});

describe('README: the smallest example', () => {
  test('comes first and runs as shown against the emulator, then exits by itself', async () => {
    // The first code block of the README is the example, the second its output.
    const blocks = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)];
    expect(readme.indexOf(blocks[0]![0])).toBeLessThan(readme.indexOf('\n## '));
    const [example, output] = blocks;
    expect(example![1]).toBe('js');
    expect(example![2]).toContain("import { openTunnel } from '@ssmkit/node-api';");
    expect(output![1]).toBe('console');
    const shown = output![2]!.split('\n').find((line) => line.startsWith('open: '))!;

    const emulator = await startEmulator({ port: 0 });
    // Inside the package, so that `@ssmkit/node-api` resolves to this package by its own name.
    const directory = join(packageDirectory, '.test-results');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `readme-example-${process.pid}.mjs`);
    writeFileSync(file, example![2]!);
    try {
      const result = await runScript(file, {
        env: cleanEnvironment({
          AWS_ENDPOINT_URL: emulator.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
        }),
      });
      expect(result.timedOut).toBe(false);
      expect(result.code).toBe(0);
      // The output as shown, with whatever free port the OS chose.
      const pattern = shown.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/:\d+ /, ':\\d+ ');
      expect(result.stdout.trim()).toMatch(new RegExp(`^${pattern}$`));
    } finally {
      rmSync(file, { force: true });
      await emulator.close();
    }
  });

  test('the emulator commands use the default world and its credentials', () => {
    const tryIt = readme.slice(0, readme.indexOf('\n## '));
    expect(tryIt).toContain('npx ssmkit-emulator');
    expect(tryIt).toContain('AWS_ENDPOINT_URL=http://127.0.0.1:4599');
    expect(tryIt).toContain('AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test');
    expect(tryIt).toContain('i-0123456789abcdef0');
  });
});
