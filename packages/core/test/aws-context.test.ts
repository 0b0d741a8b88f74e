import { startEmulator, type Emulator } from '@ssmkit/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { AwsError, ConfigError, createAwsContext, type AwsContext } from '../src/index.js';
import { defaultWorld, isolateAwsEnvironment, rejectionOf, TEST_CREDENTIALS } from './helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/demo-admin';
const MFA_ROLE = 'arn:aws:iam::000000000000:role/demo-admin-mfa';
const MFA_SERIAL = 'arn:aws:iam::000000000000:mfa/test';

let emulator: Emulator;
let restoreEnvironment: () => void;
const contexts: AwsContext[] = [];

async function context(options: Parameters<typeof createAwsContext>[0] = {}): Promise<AwsContext> {
  const created = await createAwsContext({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    ...options,
  });
  contexts.push(created);
  return created;
}

beforeAll(async () => {
  const world = defaultWorld();
  world.credentials?.push({
    accessKeyId: 'AKIALIMITED',
    secretAccessKey: 'limited-secret',
    accountId: '000000000000',
    arn: 'arn:aws:iam::000000000000:user/limited',
  });
  world.permissions = [
    {
      principal: 'arn:aws:iam::000000000000:user/limited',
      allow: [{ actions: ['sts:GetCallerIdentity'] }],
    },
  ];
  emulator = await startEmulator({ port: 0, world });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  restoreEnvironment = isolateAwsEnvironment().restore;
});
afterEach(() => {
  for (const created of contexts.splice(0)) created.destroy();
  restoreEnvironment();
});

describe('credentials', () => {
  test('static credentials and an endpoint option reach the emulator', async () => {
    const aws = await context({ credentials: TEST_CREDENTIALS });
    await expect(aws.callerIdentity()).resolves.toEqual({
      account: '000000000000',
      arn: 'arn:aws:iam::000000000000:user/test',
      userId: 'AIDAEMULATORTEST0000',
    });
    expect(aws.region).toBe('us-east-1');
  });

  test('a credential provider function is called lazily and memoized', async () => {
    const provider = vi.fn(async () => TEST_CREDENTIALS);
    const aws = await context({ credentials: provider });
    expect(provider).not.toHaveBeenCalled();
    await aws.callerIdentity();
    await aws.credentials();
    expect(provider).toHaveBeenCalledTimes(1);
  });

  test('environment credentials and AWS_ENDPOINT_URL come from the SDK default chain', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    const aws = await createAwsContext();
    contexts.push(aws);
    expect(aws.endpoint).toBeUndefined();
    expect((await aws.callerIdentity()).arn).toBe('arn:aws:iam::000000000000:user/test');
  });

  test('profile credentials and region come from the shared files', async () => {
    restoreEnvironment();
    restoreEnvironment = isolateAwsEnvironment({
      config: '[profile emu]\nregion = eu-west-3\n',
      credentials: '[emu]\naws_access_key_id = test\naws_secret_access_key = test\n',
    }).restore;
    const aws = await createAwsContext({ profile: 'emu', endpoint: emulator.endpoint });
    contexts.push(aws);
    expect(aws.region).toBe('eu-west-3');
    expect((await aws.callerIdentity()).account).toBe('000000000000');
  });

  test('missing credentials: ERR_AWS_CREDENTIALS says how to provide them', async () => {
    const aws = await context();
    const error = await rejectionOf(aws.callerIdentity());
    expect(AwsError.isInstance(error)).toBe(true);
    expect(error.code).toBe('ERR_AWS_CREDENTIALS');
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(error.message).toMatch(/`profile`/);
    expect(error.message).toMatch(/aws sso login/);
  });

  test('unknown keys: ERR_AWS_INVALID_CREDENTIALS, the secret is not in the message', async () => {
    const aws = await context({
      credentials: { accessKeyId: 'test', secretAccessKey: 'wrong-secret-value' },
    });
    const error = await rejectionOf(aws.callerIdentity());
    expect(error.code).toBe('ERR_AWS_INVALID_CREDENTIALS');
    expect(error.message).not.toContain('wrong-secret-value');
  });

  test('a denied call: ERR_AWS_ACCESS_DENIED names the IAM action', async () => {
    const aws = await context({
      credentials: { accessKeyId: 'AKIALIMITED', secretAccessKey: 'limited-secret' },
    });
    await aws.callerIdentity();
    const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
    const { callAws } = await import('../src/internal/call-aws.js');
    const ec2 = await aws.client('ec2');
    const error = (await rejectionOf(
      callAws('ec2:DescribeInstances', () => ec2.send(new DescribeInstancesCommand({}))),
    )) as AwsError;
    expect(error.code).toBe('ERR_AWS_ACCESS_DENIED');
    expect(error.operation).toBe('ec2:DescribeInstances');
    expect(error.awsErrorName).toBe('UnauthorizedOperation');
    expect(error.message).toContain('`ec2:DescribeInstances`');
  });
});

describe('assume role', () => {
  test('assumes a role without MFA', async () => {
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: ROLE,
      roleSessionName: 'core-test',
    });
    expect((await aws.callerIdentity()).arn).toBe(
      'arn:aws:sts::000000000000:assumed-role/demo-admin/core-test',
    );
    const credentials = await aws.credentials();
    expect(credentials.sessionToken).toBeTruthy();
    expect(credentials.expiration).toBeInstanceOf(Date);
  });

  test('assumes an MFA role with a code', async () => {
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: MFA_ROLE,
      mfa: { serial: MFA_SERIAL, code: '123456' },
    });
    expect((await aws.callerIdentity()).arn).toMatch(/assumed-role\/demo-admin-mfa\//);
  });

  test('assumes an MFA role with a code provider, called with the serial', async () => {
    const codeProvider = vi.fn(async () => '123456');
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: MFA_ROLE,
      durationSeconds: 900,
      mfa: { serial: MFA_SERIAL, codeProvider },
    });
    await aws.callerIdentity();
    expect(codeProvider).toHaveBeenCalledWith(MFA_SERIAL);
  });

  test('a wrong MFA code: ERR_AWS_MFA', async () => {
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: MFA_ROLE,
      mfa: { serial: MFA_SERIAL, code: '654321' },
    });
    const error = (await rejectionOf(aws.callerIdentity())) as AwsError;
    expect(error.code).toBe('ERR_AWS_MFA');
    expect(error.operation).toBe('sts:AssumeRole');
    expect(error.message).toContain(MFA_SERIAL);
    expect(error.message).not.toContain('654321');
  });

  test('an MFA role without MFA: ERR_AWS_ASSUME_ROLE that suggests `mfa`', async () => {
    const aws = await context({ credentials: TEST_CREDENTIALS, roleArn: MFA_ROLE });
    const error = await rejectionOf(aws.callerIdentity());
    expect(error.code).toBe('ERR_AWS_ASSUME_ROLE');
    expect(error.message).toMatch(/pass `mfa`/);
  });

  test('an unknown role: ERR_AWS_ASSUME_ROLE', async () => {
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: 'arn:aws:iam::000000000000:role/nope',
    });
    const error = await rejectionOf(aws.callerIdentity());
    expect(error.code).toBe('ERR_AWS_ASSUME_ROLE');
    expect(error.message).toContain('arn:aws:iam::000000000000:role/nope');
  });

  test('assume-role on top of missing base credentials: ERR_AWS_CREDENTIALS', async () => {
    const aws = await context({ roleArn: ROLE });
    const error = await rejectionOf(aws.callerIdentity());
    expect(error.code).toBe('ERR_AWS_CREDENTIALS');
  });
});

describe('region and options', () => {
  test('missing region: ERR_CONFIG_MISSING_REGION says how to set it', async () => {
    const error = await rejectionOf(createAwsContext({ credentials: TEST_CREDENTIALS }));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error.code).toBe('ERR_CONFIG_MISSING_REGION');
    expect(error.message).toMatch(/Pass `region`/);
    expect(error.message).toMatch(/AWS_REGION/);
  });

  test('AWS_DEFAULT_REGION is a fallback', async () => {
    process.env.AWS_DEFAULT_REGION = 'ap-northeast-1';
    const aws = await createAwsContext({ credentials: TEST_CREDENTIALS });
    contexts.push(aws);
    expect(aws.region).toBe('ap-northeast-1');
  });

  test.each([
    [{ region: 'Not A Region' }, 'region'],
    [{ endpoint: 'ftp://example.com' }, 'endpoint'],
    [{ roleArn: 'role/x' }, 'roleArn'],
    [{ durationSeconds: 60 }, 'durationSeconds'],
    [{ mfa: { serial: MFA_SERIAL } }, 'mfa'],
    [{ mfa: { serial: MFA_SERIAL, code: '12' } }, 'mfa.code'],
    [{ unknownOption: true }, '(options)'],
  ])('invalid option %o: ERR_CONFIG_INVALID_OPTION', async (options, path) => {
    const error = (await rejectionOf(
      createAwsContext({ region: 'us-east-1', ...(options as object) }),
    )) as ConfigError;
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect(error.options).toContain(path);
  });
});

describe('refresh for long tunnels', () => {
  function movableClock() {
    let offset = 0;
    return {
      now: () => Date.now() + offset,
      setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, delayMs),
      clearTimeout: (timer: unknown) => clearTimeout(timer as NodeJS.Timeout),
      advance: (ms: number) => {
        offset += ms;
      },
    };
  }

  test('an assumed role is re-assumed before it expires, asking the code provider again', async () => {
    const clock = movableClock();
    const codeProvider = vi.fn(async () => '123456');
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: MFA_ROLE,
      durationSeconds: 900,
      mfa: { serial: MFA_SERIAL, codeProvider },
      clock,
    });
    const first = await aws.credentials();
    clock.advance(11 * 60_000); // 4 minutes before expiry: inside the 5-minute window
    const second = await aws.credentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(codeProvider).toHaveBeenCalledTimes(2);
  });

  test('a one-time `mfa.code` cannot refresh: ERR_AWS_MFA once the session has expired', async () => {
    const clock = movableClock();
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: MFA_ROLE,
      durationSeconds: 900,
      mfa: { serial: MFA_SERIAL, code: '123456' },
      clock,
    });
    const first = await aws.credentials();
    clock.advance(12 * 60_000);
    await expect(aws.credentials()).resolves.toBe(first); // refresh failed, still valid
    clock.advance(4 * 60_000);
    const error = await rejectionOf(aws.credentials());
    expect(error.code).toBe('ERR_AWS_MFA');
    expect(error.message).toContain('mfa.codeProvider');
  });

  test('a code provider returning junk: ERR_AWS_MFA', async () => {
    const aws = await context({
      credentials: TEST_CREDENTIALS,
      roleArn: MFA_ROLE,
      mfa: { serial: MFA_SERIAL, codeProvider: () => 'abc' },
    });
    const error = await rejectionOf(aws.callerIdentity());
    expect(error.code).toBe('ERR_AWS_MFA');
    expect(error.message).not.toContain('abc');
  });
});

describe('network and lifecycle', () => {
  test('an unreachable endpoint: ERR_AWS_NETWORK', async () => {
    const aws = await createAwsContext({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    contexts.push(aws);
    const error = (await rejectionOf(aws.callerIdentity())) as AwsError;
    expect(error.code).toBe('ERR_AWS_NETWORK');
    expect(error.operation).toBe('sts:GetCallerIdentity');
  });

  test('destroy() closes the clients; using one afterwards: ERR_CONFIG_CONTEXT_DESTROYED', async () => {
    const aws = await context({ credentials: TEST_CREDENTIALS });
    await aws.callerIdentity();
    aws.destroy();
    aws.destroy();
    expect(() => aws.ssm).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_CONTEXT_DESTROYED' }),
    );
    expect(await rejectionOf(aws.client('ecs'))).toMatchObject({
      code: 'ERR_CONFIG_CONTEXT_DESTROYED',
    });
  });

  test('client(name) creates each client once, also under concurrent calls; ssm is client("ssm")', async () => {
    const aws = await context({ credentials: TEST_CREDENTIALS });
    const [first, second] = await Promise.all([aws.client('rds'), aws.client('rds')]);
    expect(first).toBe(second);
    expect(await aws.client('rds')).toBe(first);
    expect(await aws.client('ssm')).toBe(aws.ssm);
    expect(await first.config.region()).toBe('us-east-1');
  });

  test('destroy() while a client package is still loading: the call rejects, nothing is left open', async () => {
    const aws = await context({ credentials: TEST_CREDENTIALS });
    const pending = aws.client('secretsManager');
    aws.destroy();
    expect(await rejectionOf(pending)).toMatchObject({ code: 'ERR_CONFIG_CONTEXT_DESTROYED' });
  });

  test('pre-built clients are used as given and give their region', async () => {
    const { STSClient } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({
      region: 'eu-central-1',
      endpoint: emulator.endpoint,
      credentials: TEST_CREDENTIALS,
    });
    const aws = await createAwsContext({ clients: { sts } });
    contexts.push(aws);
    expect(aws.region).toBe('eu-central-1');
    expect(await aws.client('sts')).toBe(sts);
    expect((await aws.callerIdentity()).account).toBe('000000000000');
    aws.destroy();
    sts.destroy();
  });
});
