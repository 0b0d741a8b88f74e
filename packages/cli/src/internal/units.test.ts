import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config-file.js';
import { compareVersions } from '../commands/doctor.js';
import { connectionEnv, renderConnectionSettings } from './db-settings.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { Output } from './output.js';
import { createPrompter } from './prompter.js';
import { parseTargetFlag } from './target-spec.js';

describe('parseTargetFlag', () => {
  it.each([
    ['i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['mi-0123456789abcdef0', 'mi-0123456789abcdef0'],
    ['tag:Name=bastion', { tag: { Name: 'bastion' } }],
    ['tag:Env=prod,Role=bastion', { tag: { Env: 'prod', Role: 'bastion' } }],
    ['param:/demo/bastion/instance-id', { parameter: '/demo/bastion/instance-id' }],
    ['ecs:demo/bastion', { ecs: { cluster: 'demo', service: 'bastion' } }],
    ['ecs:demo_abc_abc-123', 'ecs:demo_abc_abc-123'],
    ['name:bastion', { name: 'bastion' }],
  ])('%s', (text, expected) => {
    expect(parseTargetFlag(text)).toEqual(expected);
  });

  it.each(['tag:oops', 'bastion', 'ecs:/x'])('rejects %s as a usage error', (text) => {
    expect(() => parseTargetFlag(text)).toThrow(expect.objectContaining({ code: 'ERR_CLI_USAGE' }));
  });
});

describe('exitCodeFor', () => {
  it.each([
    ['ERR_CLI_USAGE', ExitCode.USAGE],
    ['ERR_CONFIG_MISSING_REGION', ExitCode.USAGE],
    ['ERR_AWS_CREDENTIALS', ExitCode.AUTH],
    ['ERR_AWS_ACCESS_DENIED', ExitCode.AUTH],
    ['ERR_TARGET_OFFLINE', ExitCode.TARGET],
    ['ERR_DB_NOT_FOUND', ExitCode.TARGET],
    ['ERR_AWS_TARGET_NOT_CONNECTED', ExitCode.TARGET],
    ['ERR_TUNNEL_PORT_IN_USE', ExitCode.NETWORK],
    ['ERR_AWS_NETWORK', ExitCode.NETWORK],
    ['ERR_TUNNEL_CLOSED', ExitCode.INTERRUPTED],
    ['ERR_CLI_CANCELLED', ExitCode.INTERRUPTED],
    ['ERR_SOMETHING_ELSE', ExitCode.ERROR],
  ])('%s → %d', (code, expected) => {
    expect(exitCodeFor(code)).toBe(expected);
  });
});

describe('parseConfig', () => {
  it('accepts a valid file', () => {
    const config = parseConfig(
      JSON.stringify({
        defaults: { region: 'eu-west-1' },
        tunnels: { db: { db: 'mydb' }, web: { target: 'i-1', port: 80 } },
      }),
      'c.json',
    );
    expect(Object.keys(config.tunnels)).toEqual(['db', 'web']);
  });

  it.each([
    ['{', /^c\.json: not valid JSON/],
    [
      JSON.stringify({ tunnels: { a: { target: 'i-1' } } }),
      /^c\.json: tunnels\.a\.port: set `port`/,
    ],
    [
      JSON.stringify({ tunnels: { a: { port: 1 } } }),
      /^c\.json: tunnels\.a\.target: set `target` or `ephemeral`/,
    ],
    [JSON.stringify({ tunnels: {}, extra: 1 }), /^c\.json: extra: unknown key/],
    [
      JSON.stringify({ defaults: { region: 'mars' }, tunnels: {} }),
      /^c\.json: defaults\.region: expected a region/,
    ],
  ])('names the bad key: %s', (text, message) => {
    expect(() => parseConfig(text, 'c.json')).toThrow(message);
  });
});

describe('connection settings', () => {
  const settings = {
    family: 'mysql',
    host: '127.0.0.1',
    port: 13306,
    user: 'admin',
    database: 'app',
    password: 's3cret',
    passwordSource: 'secret' as const,
  };

  it('never shows the password unless asked', () => {
    expect(renderConnectionSettings(settings, false).join('\n')).not.toContain('s3cret');
    expect(renderConnectionSettings(settings, true).join('\n')).toContain('Password  s3cret');
  });

  it('uses MYSQL_* for mysql and PG* for postgres', () => {
    expect(connectionEnv(settings)).toMatchObject({
      MYSQL_HOST: '127.0.0.1',
      MYSQL_TCP_PORT: '13306',
      MYSQL_PWD: 's3cret',
    });
    expect(connectionEnv({ ...settings, family: 'postgres', passwordSource: 'iam' })).toMatchObject(
      {
        PGHOST: '127.0.0.1',
        PGPORT: '13306',
        PGPASSWORD: 's3cret',
        PGSSLMODE: 'require',
      },
    );
  });
});

describe('compareVersions', () => {
  it('compares numerically', () => {
    expect(compareVersions('3.1.1374.0', '3.1.1374.0')).toBe(0);
    expect(compareVersions('3.0.1390.0', '3.1.1374.0')).toBe(-1);
    expect(compareVersions('3.10.0.0', '3.9.9999.0')).toBe(1);
  });
});

describe('Output', () => {
  function capture(env: NodeJS.ProcessEnv, json = false): { output: Output; text: () => string } {
    const stream = Object.assign(new PassThrough(), { isTTY: true });
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { output: new Output({ stdout: stream, stderr: stream, env, json }), text: () => text };
  }

  it('honours NO_COLOR', () => {
    const plain = capture({ NO_COLOR: '1' });
    plain.output.warn('careful');
    expect(plain.text()).toBe('warning: careful\n');
    const colored = capture({});
    colored.output.warn('careful');
    expect(colored.text()).toBe('\u001B[33mwarning:\u001B[39m careful\n');
  });

  it('writes errors as JSON events with --json', () => {
    const json = capture({}, true);
    json.output.error('ignored', { code: 'ERR_X', message: 'boom', cause: new Error('inner') });
    expect(JSON.parse(json.text())).toMatchObject({
      type: 'error',
      code: 'ERR_X',
      cause: { message: 'inner' },
    });
  });
});

describe('createPrompter', () => {
  it('is not interactive without a TTY or under CI, and names the flag', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    expect(createPrompter({ input: tty, output: tty, env: {} }).interactive).toBe(true);
    expect(createPrompter({ input: tty, output: tty, env: { CI: 'true' } }).interactive).toBe(
      false,
    );
    const prompter = createPrompter({ input: new PassThrough(), output: tty, env: {} });
    await expect(prompter.select('AWS region', [], '--region')).rejects.toMatchObject({
      code: 'ERR_CLI_NOT_INTERACTIVE',
      message: 'Missing --region (aws region), and stdin is not a terminal to ask on.',
    });
  });
});

describe('reportError', () => {
  function capture(json = false): { output: Output; text: () => string } {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return {
      output: new Output({ stdout: stream, stderr: stream, env: { NO_COLOR: '1' }, json }),
      text: () => text,
    };
  }

  it('prints the stack of an unexpected error with DEBUG advice, exit code 1', async () => {
    const { reportError } = await import('../main.js');
    const { output, text } = capture();
    const error = new TypeError('cannot read properties of undefined');
    expect(reportError(error, output)).toBe(ExitCode.ERROR);
    expect(text()).toContain(`unexpected error: ${error.stack}\n`);
    expect(text()).toContain('Rerun with DEBUG=ssmkit:* for details');
  });

  it('prints a known error on one line with its hint and maps its exit code', async () => {
    const { reportError } = await import('../main.js');
    const { SsmError } = await import('@ssmkit/protocol');
    const { output, text } = capture();
    const code = reportError(new SsmError('ERR_TARGET_OFFLINE', 'i-1 is offline.'), output);
    expect(code).toBe(ExitCode.TARGET);
    expect(text()).toBe(
      'error ERR_TARGET_OFFLINE: i-1 is offline. Hint: Start the instance or its SSM agent; `ssm-tunnel doctor --target <id>`.\n',
    );
  });

  it('gives an ERR_UNEXPECTED event with --json', async () => {
    const { reportError } = await import('../main.js');
    const { output, text } = capture(true);
    reportError(new Error('boom'), output);
    expect(JSON.parse(text())).toMatchObject({
      type: 'error',
      code: 'ERR_UNEXPECTED',
      message: 'boom',
    });
  });
});
