import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.js';
import { DEFAULT_WORLD_IDS, defaultWorldInput } from '../src/index.js';
import { clientConfig, createManualClock, rejection, start } from './helpers.js';

const clock = createManualClock();
let emulator: Emulator;
let sts: STSClient;

beforeAll(async () => {
  emulator = await start({
    clock,
    world: {
      ...defaultWorldInput,
      credentials: [
        ...(defaultWorldInput.credentials ?? []),
        {
          accessKeyId: 'AKIAOUTSIDER00000000',
          secretAccessKey: 'outsider-secret',
          accountId: '111111111111',
          arn: 'arn:aws:iam::111111111111:user/outsider',
        },
      ],
      roles: [
        ...(defaultWorldInput.roles ?? []),
        {
          arn: 'arn:aws:iam::000000000000:role/long',
          trust: { accounts: ['000000000000'] },
          maxSessionDurationSeconds: 7200,
        },
      ],
    },
  });
  sts = new STSClient(clientConfig(emulator));
});
afterAll(async () => {
  sts.destroy();
  await emulator.close();
});

describe('STS GetCallerIdentity', () => {
  it('returns the default user', async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: DEFAULT_WORLD_IDS.accountId,
      Arn: DEFAULT_WORLD_IDS.userArn,
      UserId: expect.stringMatching(/^AIDA/) as unknown,
    });
  });

  it('accepts every region', async () => {
    const client = new STSClient(clientConfig(emulator, undefined, 'ap-northeast-1'));
    await expect(client.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: '000000000000',
    });
    client.destroy();
  });
});

describe('STS AssumeRole', () => {
  it('issues ASIA credentials that work until they expire', async () => {
    const result = await sts.send(
      new AssumeRoleCommand({
        RoleArn: DEFAULT_WORLD_IDS.roleArn,
        RoleSessionName: 'alice',
        DurationSeconds: 900,
      }),
    );
    const credentials = result.Credentials!;
    expect(credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(credentials.SecretAccessKey).toHaveLength(40);
    expect(credentials.SessionToken).toBeTruthy();
    expect(credentials.Expiration).toBeInstanceOf(Date);
    expect(result.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::000000000000:assumed-role/demo-admin/alice',
    );
    expect(result.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]+:alice$/);

    const assumed = {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    };
    const assumedSts = new STSClient(clientConfig(emulator, assumed));
    const identity = await assumedSts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:sts::000000000000:assumed-role/demo-admin/alice');
    expect(identity.UserId).toBe(result.AssumedRoleUser?.AssumedRoleId);

    // Same key without the session token is rejected.
    const noToken = new STSClient(
      clientConfig(emulator, {
        accessKeyId: assumed.accessKeyId,
        secretAccessKey: assumed.secretAccessKey,
      }),
    );
    expect((await rejection(noToken.send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );

    clock.advance(901_000);
    expect((await rejection(assumedSts.send(new GetCallerIdentityCommand({})))).name).toBe(
      'ExpiredToken',
    );
    const assumedSsm = new SSMClient(clientConfig(emulator, assumed));
    expect((await rejection(assumedSsm.send(new GetParameterCommand({ Name: 'x' })))).name).toBe(
      'ExpiredTokenException',
    );
    assumedSts.destroy();
    noToken.destroy();
    assumedSsm.destroy();
  });

  it('rejects an untrusted caller and an unknown role with AccessDenied', async () => {
    const outsider = new STSClient(
      clientConfig(emulator, {
        accessKeyId: 'AKIAOUTSIDER00000000',
        secretAccessKey: 'outsider-secret',
      }),
    );
    const error = await rejection(
      outsider.send(
        new AssumeRoleCommand({ RoleArn: DEFAULT_WORLD_IDS.roleArn, RoleSessionName: 'mallory' }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(
      `User: arn:aws:iam::111111111111:user/outsider is not authorized to perform: sts:AssumeRole on resource: ${DEFAULT_WORLD_IDS.roleArn}`,
    );
    outsider.destroy();
    const unknown = await rejection(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::000000000000:role/nope',
          RoleSessionName: 's1',
        }),
      ),
    );
    expect(unknown.name).toBe('AccessDenied');
  });

  it('requires the right MFA code when the role demands MFA', async () => {
    const missing = await rejection(
      sts.send(
        new AssumeRoleCommand({ RoleArn: DEFAULT_WORLD_IDS.mfaRoleArn, RoleSessionName: 'bob' }),
      ),
    );
    expect(missing.name).toBe('AccessDenied');
    const wrong = await rejection(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: DEFAULT_WORLD_IDS.mfaRoleArn,
          RoleSessionName: 'bob',
          SerialNumber: DEFAULT_WORLD_IDS.mfaSerialNumber,
          TokenCode: '654321',
        }),
      ),
    );
    expect(wrong.name).toBe('AccessDenied');
    expect(wrong.message).toMatch(/MultiFactorAuthentication failed/);
    const right = await sts.send(
      new AssumeRoleCommand({
        RoleArn: DEFAULT_WORLD_IDS.mfaRoleArn,
        RoleSessionName: 'bob',
        SerialNumber: DEFAULT_WORLD_IDS.mfaSerialNumber,
        TokenCode: DEFAULT_WORLD_IDS.mfaCode,
      }),
    );
    expect(right.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::000000000000:assumed-role/demo-admin-mfa/bob',
    );
  });

  it('validates DurationSeconds and RoleSessionName', async () => {
    const tooShort = await rejection(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: DEFAULT_WORLD_IDS.roleArn,
          RoleSessionName: 'ok',
          DurationSeconds: 60,
        }),
      ),
    );
    expect(tooShort.name).toBe('ValidationError');
    const tooLong = await rejection(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: DEFAULT_WORLD_IDS.roleArn,
          RoleSessionName: 'ok',
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(tooLong.name).toBe('ValidationError');
    expect(tooLong.message).toMatch(/MaxSessionDuration/);
    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::000000000000:role/long',
          RoleSessionName: 'ok',
          DurationSeconds: 7200,
        }),
      ),
    ).resolves.toBeTruthy();
    const badName = await rejection(
      sts.send(
        new AssumeRoleCommand({ RoleArn: DEFAULT_WORLD_IDS.roleArn, RoleSessionName: 'has space' }),
      ),
    );
    expect(badName.name).toBe('ValidationError');
  });

  it('limits role chaining to one hour', async () => {
    const first = await sts.send(
      new AssumeRoleCommand({ RoleArn: DEFAULT_WORLD_IDS.roleArn, RoleSessionName: 'hop1' }),
    );
    const chained = new STSClient(
      clientConfig(emulator, {
        accessKeyId: first.Credentials!.AccessKeyId!,
        secretAccessKey: first.Credentials!.SecretAccessKey!,
        sessionToken: first.Credentials!.SessionToken!,
      }),
    );
    const error = await rejection(
      chained.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::000000000000:role/long',
          RoleSessionName: 'hop2',
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(error.name).toBe('ValidationError');
    chained.destroy();
  });
});

describe('AWS_ENDPOINT_URL', () => {
  it('is honoured by SDK clients without an explicit endpoint', async () => {
    const previous = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    try {
      const client = new STSClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await expect(client.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
        Account: '000000000000',
      });
      client.destroy();
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = previous;
    }
  });
});
