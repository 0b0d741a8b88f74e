// Bad options: each is rejected before anything happens, with ERR_CONFIG_INVALID_OPTION and the
// option named in `options` and in the message.
import { afterEach, describe, expect, test } from 'vitest';
import {
  ConfigError,
  openDatabaseTunnel,
  openTunnel,
  openTunnels,
  withTunnel,
  type OpenTunnelOptions,
} from '../src/index.js';
import { rejectionOf } from './helpers.js';

const base = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  target: 'i-0123456789abcdef0',
  port: 5432,
};
const savedTarget = process.env.SSMKIT_TARGET;
afterEach(() => {
  if (savedTarget === undefined) delete process.env.SSMKIT_TARGET;
  else process.env.SSMKIT_TARGET = savedTarget;
});

const cases: [name: string, options: Record<string, unknown>, option: string][] = [
  ['port missing', { ...base, port: undefined }, 'port'],
  ['port 0', { ...base, port: 0 }, 'port'],
  ['port 70000', { ...base, port: 70_000 }, 'port'],
  ['port not an integer', { ...base, port: 54.32 }, 'port'],
  ['port a string', { ...base, port: '5432' }, 'port'],
  ['host empty', { ...base, host: '' }, 'host'],
  ['localPort negative', { ...base, localPort: -1 }, 'localPort'],
  ['bindAddress not an IP', { ...base, bindAddress: 'my laptop' }, 'bindAddress'],
  ['region malformed', { ...base, region: 'Frankfurt' }, 'region'],
  ['profile empty', { ...base, profile: '' }, 'profile'],
  ['roleArn malformed', { ...base, roleArn: 'admin' }, 'roleArn'],
  ['mfa without code', { ...base, mfa: { serial: 'arn:aws:iam::000000000000:mfa/test' } }, 'mfa'],
  [
    'mfa code not 6 digits',
    { ...base, mfa: { serial: 'arn:aws:iam::000000000000:mfa/test', code: '12' } },
    'mfa.code',
  ],
  ['endpoint not a URL', { ...base, endpoint: 'localhost:4599' }, 'endpoint'],
  ['reason multi-line', { ...base, reason: 'a\nb' }, 'reason'],
  ['reason too long', { ...base, reason: 'x'.repeat(257) }, 'reason'],
  ['signal not a signal', { ...base, signal: {} }, 'signal'],
  ['logger with a non-function', { ...base, logger: { info: 'yes' } }, 'logger'],
  ['reconnect true', { ...base, reconnect: true }, 'reconnect'],
  ['reconnect unknown key', { ...base, reconnect: { retries: 1, forever: true } }, 'reconnect'],
  ['keepAlive interval too small', { ...base, keepAlive: { intervalMs: 1 } }, 'keepAlive'],
  ['target empty', { ...base, target: '' }, 'target'],
  ['target a number', { ...base, target: 42 }, 'target'],
  ['unknown option', { ...base, localport: 5432 }, 'localport'],
  ['credentials without secret', { ...base, credentials: { accessKeyId: 'x' } }, 'credentials'],
  [
    'context with region',
    { ...base, context: { destroy() {}, credentials() {}, region: 'x' } },
    'region',
  ],
  ['no target and no host', { ...base, target: undefined }, 'target'],
];

describe('openTunnel: bad options', () => {
  test.each(cases)('%s → names `%s`', async (_name, options, option) => {
    delete process.env.SSMKIT_TARGET;
    const error = await rejectionOf(openTunnel(options as unknown as OpenTunnelOptions));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    const names = (error as ConfigError).options;
    expect(names.some((name) => name === option || name.startsWith(`${option}.`))).toBe(true);
    expect(error.message).toContain(`\`${names[0]!}\``);
    expect(error.message).toMatch(/^Invalid options for openTunnel\(\): /);
  });

  test('an unknown option suggests the right spelling', async () => {
    const error = await rejectionOf(
      openTunnel({ ...base, localport: 1 } as unknown as OpenTunnelOptions),
    );
    expect(error.message).toContain('`localport`: unknown option (did you mean `localPort`?)');
  });

  test('a malformed target spec is named under `target` (validated by core)', async () => {
    const error = await rejectionOf(openTunnel({ ...base, target: { tag: {} } }));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect((error as ConfigError).options).toEqual(['target.tag']);
    expect(error.message).toContain('openTunnel()');
  });

  test('SSMKIT_TARGET with broken JSON is named', async () => {
    process.env.SSMKIT_TARGET = '{"tag":';
    const error = await rejectionOf(openTunnel({ ...base, target: undefined }));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect((error as ConfigError).options).toEqual(['SSMKIT_TARGET']);
  });

  test('missing region names `region` (ERR_CONFIG_MISSING_REGION)', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) {
      if (key.startsWith('AWS_') && !key.startsWith('AWS_SDK_JS_')) delete process.env[key];
    }
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    try {
      const error = await rejectionOf(openTunnel({ target: 'i-0123456789abcdef0', port: 22 }));
      expect(error.code).toBe('ERR_CONFIG_MISSING_REGION');
      expect((error as ConfigError).options).toEqual(['region']);
      expect(error.message).toContain('AWS_REGION');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  test('withTunnel validates the same way', async () => {
    const error = await rejectionOf(withTunnel({ ...base, port: -1 }, () => 1));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
  });
});

describe('openTunnels / openDatabaseTunnel: bad options', () => {
  test('openTunnels names the tunnel index', async () => {
    const error = await rejectionOf(openTunnels([{ ...base }, { ...base, port: 0 }]));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect((error as ConfigError).options).toEqual(['tunnels.1.port']);
  });

  test('openTunnels with no tunnels', async () => {
    const error = await rejectionOf(openTunnels([]));
    expect((error as ConfigError).options).toEqual(['tunnels']);
  });

  test('openTunnels shared options are validated', async () => {
    const error = await rejectionOf(openTunnels([{ ...base }], { region: 'nowhere' }));
    expect((error as ConfigError).options).toEqual(['region']);
  });

  test.each([
    ['db missing', {}, 'db'],
    ['db object without identifier', { db: { name: 'x' } }, 'db'],
    ['secret true', { db: 'demo-db', secret: true }, 'secret'],
    ['iamAuth with secret', { db: 'demo-db', secret: 'arn:x', iamAuth: true }, 'iamAuth'],
    ['scheme with ://', { db: 'demo-db', scheme: 'postgres://' }, 'scheme'],
    ['host is not an option', { db: 'demo-db', host: 'x' }, 'host'],
  ])('openDatabaseTunnel: %s → names `%s`', async (_name, options, option) => {
    const error = await rejectionOf(
      openDatabaseTunnel({ region: 'us-east-1', ...options } as unknown as Parameters<
        typeof openDatabaseTunnel
      >[0]),
    );
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect((error as ConfigError).options[0]).toBe(option);
  });
});
