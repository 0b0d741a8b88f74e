import {
  DescribeInstanceInformationCommand,
  DescribeSessionsCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  ResumeSessionCommand,
  SSMClient,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.js';
import { DEFAULT_WORLD_IDS, defaultWorldInput } from '../src/index.js';
import { clientConfig, rejection, start } from './helpers.js';

const bastion = DEFAULT_WORLD_IDS.bastionInstanceId;
let emulator: Emulator;
let ssm: SSMClient;

beforeAll(async () => {
  emulator = await start({
    world: {
      ...defaultWorldInput,
      credentials: [
        ...(defaultWorldInput.credentials ?? []),
        {
          accessKeyId: 'AKIARESTRICTED000000',
          secretAccessKey: 'restricted',
          accountId: '000000000000',
          arn: 'arn:aws:iam::000000000000:user/restricted',
        },
      ],
      instances: [
        ...(defaultWorldInput.instances ?? []),
        {
          instanceId: 'i-0fedcba9876543210',
          tags: { Name: 'old', Env: 'prod' },
          ssmOnline: false,
          agentVersion: '3.0.161.0',
        },
        {
          instanceId: 'mi-0123456789abcdef0',
          tags: { Name: 'onprem', Env: 'dev' },
          platformName: 'Ubuntu',
        },
      ],
      permissions: [
        {
          principal: 'arn:aws:iam::000000000000:user/restricted',
          allow: [
            { actions: ['ssm:StartSession'], resourceTags: { Env: 'dev' } },
            { actions: ['ssm:TerminateSession', 'ssm:ResumeSession', 'ssm:Describe*'] },
          ],
        },
      ],
    },
  });
  ssm = new SSMClient(clientConfig(emulator));
});
afterAll(async () => {
  ssm.destroy();
  await emulator.close();
});

describe('SSM StartSession', () => {
  it('starts a port-forwarding session with the documented response shape', async () => {
    const result = await ssm.send(
      new StartSessionCommand({
        Target: bastion,
        DocumentName: 'AWS-StartPortForwardingSession',
        Parameters: { portNumber: ['22'] },
        Reason: 'unit test',
      }),
    );
    expect(result.SessionId).toMatch(/^test-[0-9a-f]{17}$/);
    expect(result.TokenValue).toBeTruthy();
    const port = new URL(emulator.endpoint).port;
    expect(result.StreamUrl).toMatch(
      new RegExp(
        `^ws://127\\.0\\.0\\.1:${port}/v1/data-channel/${result.SessionId}\\?role=publish_subscribe&cell-number=[\\w-]+$`,
      ),
    );
    const session = emulator.state.sessions.get(result.SessionId!)!;
    expect(session.parameters).toEqual({ portNumber: ['22'], localPortNumber: ['0'] });
    expect(session.reason).toBe('unit test');
    expect(session.owner).toBe(DEFAULT_WORLD_IDS.userArn);
  });

  it.each([
    [
      'AWS-StartPortForwardingSessionToRemoteHost',
      { host: ['demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com'], portNumber: ['5432'] },
    ],
    ['AWS-StartSSHSession', { portNumber: ['22'] }],
    ['AWS-StartInteractiveCommand', { command: ['bash'] }],
    [undefined, undefined],
  ])('accepts document %s', async (documentName, parameters) => {
    const result = await ssm.send(
      new StartSessionCommand({
        Target: bastion,
        DocumentName: documentName,
        Parameters: parameters,
      }),
    );
    expect(result.SessionId).toBeTruthy();
  });

  it('accepts managed-node (mi-) targets', async () => {
    await expect(
      ssm.send(new StartSessionCommand({ Target: 'mi-0123456789abcdef0' })),
    ).resolves.toBeTruthy();
  });

  it('rejects an unknown document with InvalidDocument', async () => {
    const error = await rejection(
      ssm.send(new StartSessionCommand({ Target: bastion, DocumentName: 'AWS-Nope' })),
    );
    expect(error.name).toBe('InvalidDocument');
  });

  it('rejects offline and unknown targets with TargetNotConnected', async () => {
    for (const target of [
      'i-0fedcba9876543210',
      'i-00000000000000000',
      'ecs:demo_0123_4567',
      'nonsense',
    ]) {
      const error = await rejection(ssm.send(new StartSessionCommand({ Target: target })));
      expect(error.name).toBe('TargetNotConnected');
      expect(error.message).toBe(`${target} is not connected.`);
    }
  });

  it('validates document parameters', async () => {
    const badPort = await rejection(
      ssm.send(
        new StartSessionCommand({
          Target: bastion,
          DocumentName: 'AWS-StartPortForwardingSession',
          Parameters: { portNumber: ['65536'] },
        }),
      ),
    );
    expect(badPort.name).toBe('ValidationException');
    const missingHost = await rejection(
      ssm.send(
        new StartSessionCommand({
          Target: bastion,
          DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
          Parameters: { portNumber: ['5432'] },
        }),
      ),
    );
    expect(missingHost.name).toBe('ValidationException');
    expect(missingHost.message).toMatch(/host/);
    const unknown = await rejection(
      ssm.send(
        new StartSessionCommand({
          Target: bastion,
          DocumentName: 'AWS-StartSSHSession',
          Parameters: { bogus: ['1'] },
        }),
      ),
    );
    expect(unknown.name).toBe('ValidationException');
    const badLocal = await rejection(
      ssm.send(
        new StartSessionCommand({
          Target: bastion,
          DocumentName: 'AWS-StartPortForwardingSession',
          Parameters: { portNumber: ['80'], localPortNumber: ['-1'] },
        }),
      ),
    );
    expect(badLocal.name).toBe('ValidationException');
    const badReason = await rejection(
      ssm.send(new StartSessionCommand({ Target: bastion, Reason: 'x'.repeat(257) })),
    );
    expect(badReason.name).toBe('ValidationException');
  });

  it('uses the role session name as SessionId prefix for assumed roles', async () => {
    const sts = new STSClient(clientConfig(emulator));
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: DEFAULT_WORLD_IDS.roleArn, RoleSessionName: 'carol' }),
    );
    const client = new SSMClient(
      clientConfig(emulator, {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      }),
    );
    const result = await client.send(new StartSessionCommand({ Target: bastion }));
    expect(result.SessionId).toMatch(/^carol-[0-9a-f]{17}$/);
    sts.destroy();
    client.destroy();
  });
});

describe('SSM permissions', () => {
  const restricted = { accessKeyId: 'AKIARESTRICTED000000', secretAccessKey: 'restricted' };

  it('allows StartSession only on targets with the allowed tag', async () => {
    const client = new SSMClient(clientConfig(emulator, restricted));
    await expect(
      client.send(new StartSessionCommand({ Target: 'mi-0123456789abcdef0' })),
    ).resolves.toBeTruthy();
    const error = await rejection(client.send(new StartSessionCommand({ Target: bastion })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `User: arn:aws:iam::000000000000:user/restricted is not authorized to perform: ssm:StartSession on resource: arn:aws:ec2:us-east-1:000000000000:instance/${bastion} because no identity-based policy allows the ssm:StartSession action`,
    );
    const parameter = await rejection(
      client.send(new GetParameterCommand({ Name: DEFAULT_WORLD_IDS.parameterName })),
    );
    expect(parameter.name).toBe('AccessDeniedException');
    client.destroy();
  });
});

describe('SSM ResumeSession / TerminateSession / DescribeSessions', () => {
  it('resumes with a fresh token, terminates idempotently, then DoesNotExistException', async () => {
    const started = await ssm.send(new StartSessionCommand({ Target: bastion }));
    const resumed = await ssm.send(new ResumeSessionCommand({ SessionId: started.SessionId }));
    expect(resumed.SessionId).toBe(started.SessionId);
    expect(resumed.TokenValue).toBeTruthy();
    expect(resumed.TokenValue).not.toBe(started.TokenValue);
    expect(resumed.StreamUrl).toContain(
      `/v1/data-channel/${started.SessionId}?role=publish_subscribe`,
    );

    const active = await ssm.send(
      new DescribeSessionsCommand({
        State: 'Active',
        Filters: [{ key: 'SessionId', value: started.SessionId }],
      }),
    );
    expect(active.Sessions).toHaveLength(1);
    expect(active.Sessions![0]).toMatchObject({
      SessionId: started.SessionId,
      Target: bastion,
      Status: 'Connecting',
      Owner: DEFAULT_WORLD_IDS.userArn,
    });
    expect(active.Sessions![0]!.StartDate).toBeInstanceOf(Date);

    await expect(
      ssm.send(new TerminateSessionCommand({ SessionId: started.SessionId })),
    ).resolves.toMatchObject({
      SessionId: started.SessionId,
    });
    await expect(
      ssm.send(new TerminateSessionCommand({ SessionId: started.SessionId })),
    ).resolves.toMatchObject({
      SessionId: started.SessionId,
    });
    await expect(
      ssm.send(new TerminateSessionCommand({ SessionId: 'test-00000000000000000' })),
    ).resolves.toBeTruthy();

    const history = await ssm.send(
      new DescribeSessionsCommand({
        State: 'History',
        Filters: [{ key: 'Target', value: bastion }],
      }),
    );
    const ended = history.Sessions!.find((session) => session.SessionId === started.SessionId);
    expect(ended).toMatchObject({ Status: 'Terminated' });
    expect(ended?.EndDate).toBeInstanceOf(Date);

    const error = await rejection(
      ssm.send(new ResumeSessionCommand({ SessionId: started.SessionId })),
    );
    expect(error.name).toBe('DoesNotExistException');
    const unknown = await rejection(
      ssm.send(new ResumeSessionCommand({ SessionId: 'test-deadbeefdeadbeef0' })),
    );
    expect(unknown.name).toBe('DoesNotExistException');
  });

  it('filters DescribeSessions by Owner and Status and paginates', async () => {
    await ssm.send(new StartSessionCommand({ Target: bastion }));
    await ssm.send(new StartSessionCommand({ Target: bastion }));
    const byOwner = await ssm.send(
      new DescribeSessionsCommand({
        State: 'Active',
        Filters: [{ key: 'Owner', value: DEFAULT_WORLD_IDS.userArn }],
      }),
    );
    expect(byOwner.Sessions!.length).toBeGreaterThanOrEqual(2);
    const none = await ssm.send(
      new DescribeSessionsCommand({
        State: 'Active',
        Filters: [{ key: 'Status', value: 'Connected' }],
      }),
    );
    expect(none.Sessions).toEqual([]);
    const page = await ssm.send(new DescribeSessionsCommand({ State: 'Active', MaxResults: 1 }));
    expect(page.Sessions).toHaveLength(1);
    expect(page.NextToken).toBeTruthy();
    const next = await ssm.send(
      new DescribeSessionsCommand({ State: 'Active', MaxResults: 1, NextToken: page.NextToken }),
    );
    expect(next.Sessions![0]!.SessionId).not.toBe(page.Sessions![0]!.SessionId);
    const bad = await rejection(
      ssm.send(new DescribeSessionsCommand({ State: 'Bogus' as 'Active' })),
    );
    expect(bad.name).toBe('ValidationException');
  });
});

describe('SSM DescribeInstanceInformation', () => {
  it('lists instances with PingStatus and AgentVersion', async () => {
    const result = await ssm.send(new DescribeInstanceInformationCommand({}));
    const byId = new Map(result.InstanceInformationList!.map((info) => [info.InstanceId, info]));
    expect(byId.get(bastion)).toMatchObject({
      PingStatus: 'Online',
      AgentVersion: '3.3.1142.0',
      ResourceType: 'EC2Instance',
    });
    expect(byId.get('i-0fedcba9876543210')).toMatchObject({ PingStatus: 'ConnectionLost' });
    expect(byId.get('mi-0123456789abcdef0')).toMatchObject({ ResourceType: 'ManagedInstance' });
  });

  it('filters by InstanceIds, PingStatus and tag', async () => {
    const byIds = await ssm.send(
      new DescribeInstanceInformationCommand({
        InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: [bastion] }],
      }),
    );
    expect(byIds.InstanceInformationList!.map((info) => info.InstanceId)).toEqual([bastion]);
    const offline = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'PingStatus', Values: ['ConnectionLost'] }],
      }),
    );
    expect(offline.InstanceInformationList!.map((info) => info.InstanceId)).toEqual([
      'i-0fedcba9876543210',
    ]);
    const tagged = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'tag:Name', Values: ['bastion'] }],
      }),
    );
    expect(tagged.InstanceInformationList!.map((info) => info.InstanceId)).toEqual([bastion]);
    const badKey = await rejection(
      ssm.send(
        new DescribeInstanceInformationCommand({ Filters: [{ Key: 'Bogus', Values: ['x'] }] }),
      ),
    );
    expect(badKey.name).toBe('InvalidFilterKey');
  });
});

describe('SSM parameters', () => {
  it('gets the default-world parameter', async () => {
    const result = await ssm.send(
      new GetParameterCommand({ Name: DEFAULT_WORLD_IDS.parameterName }),
    );
    expect(result.Parameter).toMatchObject({
      Name: DEFAULT_WORLD_IDS.parameterName,
      Type: 'String',
      Value: bastion,
      Version: 1,
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/demo/bastion/instance-id',
    });
    const byArn = await ssm.send(
      new GetParameterCommand({
        Name: 'arn:aws:ssm:us-east-1:000000000000:parameter/demo/bastion/instance-id',
      }),
    );
    expect(byArn.Parameter?.Value).toBe(bastion);
  });

  it('throws ParameterNotFound and lists InvalidParameters', async () => {
    const error = await rejection(ssm.send(new GetParameterCommand({ Name: '/nope' })));
    expect(error.name).toBe('ParameterNotFound');
    const many = await ssm.send(
      new GetParametersCommand({ Names: [DEFAULT_WORLD_IDS.parameterName, '/nope'] }),
    );
    expect(many.Parameters!.map((parameter) => parameter.Name)).toEqual([
      DEFAULT_WORLD_IDS.parameterName,
    ]);
    expect(many.InvalidParameters).toEqual(['/nope']);
  });

  it('puts, refuses to overwrite without Overwrite, and versions', async () => {
    await expect(
      ssm.send(new PutParameterCommand({ Name: '/test/new', Value: 'one', Type: 'String' })),
    ).resolves.toMatchObject({ Version: 1, Tier: 'Standard' });
    const exists = await rejection(
      ssm.send(new PutParameterCommand({ Name: '/test/new', Value: 'two' })),
    );
    expect(exists.name).toBe('ParameterAlreadyExists');
    await expect(
      ssm.send(new PutParameterCommand({ Name: '/test/new', Value: 'two', Overwrite: true })),
    ).resolves.toMatchObject({ Version: 2 });
    const result = await ssm.send(new GetParameterCommand({ Name: '/test/new' }));
    expect(result.Parameter).toMatchObject({ Value: 'two', Version: 2 });
    const selected = await rejection(ssm.send(new GetParameterCommand({ Name: '/test/new:1' })));
    expect(selected.name).toBe('ParameterVersionNotFound');
    // Parameters are per region.
    const other = new SSMClient(clientConfig(emulator, undefined, 'eu-west-1'));
    expect((await rejection(other.send(new GetParameterCommand({ Name: '/test/new' })))).name).toBe(
      'ParameterNotFound',
    );
    other.destroy();
  });

  it('returns SecureString values encrypted unless WithDecryption', async () => {
    await ssm.send(
      new PutParameterCommand({ Name: '/test/secret', Value: 's3cr3t', Type: 'SecureString' }),
    );
    const hidden = await ssm.send(new GetParameterCommand({ Name: '/test/secret' }));
    expect(hidden.Parameter?.Value).not.toBe('s3cr3t');
    const shown = await ssm.send(
      new GetParameterCommand({ Name: '/test/secret', WithDecryption: true }),
    );
    expect(shown.Parameter?.Value).toBe('s3cr3t');
  });
});
