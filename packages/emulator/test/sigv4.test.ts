import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.js';
import { defaultWorldInput } from '../src/index.js';
import { clientConfig, rejection, start } from './helpers.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await start({
    world: {
      ...defaultWorldInput,
      credentials: [
        ...(defaultWorldInput.credentials ?? []),
        {
          accessKeyId: 'ASIAWORLDSESSION0001',
          secretAccessKey: 'session-secret',
          sessionToken: 'world-session-token',
          accountId: '000000000000',
          arn: 'arn:aws:sts::000000000000:assumed-role/demo-admin/ci',
        },
        {
          accessKeyId: 'ASIAWORLDEXPIRED0001',
          secretAccessKey: 'expired-secret',
          sessionToken: 'expired-token',
          expiration: '2020-01-01T00:00:00Z',
          accountId: '000000000000',
          arn: 'arn:aws:sts::000000000000:assumed-role/demo-admin/old',
        },
      ],
    },
  });
});
afterAll(() => emulator.close());

const wrongSecret = { accessKeyId: 'test', secretAccessKey: 'not-the-secret' };
const unknownKey = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'test' };
const expired = {
  accessKeyId: 'ASIAWORLDEXPIRED0001',
  secretAccessKey: 'expired-secret',
  sessionToken: 'expired-token',
};

describe('SigV4 verification', () => {
  it('rejects a wrong secret per protocol', async () => {
    const sts = new STSClient(clientConfig(emulator, wrongSecret));
    expect((await rejection(sts.send(new GetCallerIdentityCommand({})))).name).toBe(
      'SignatureDoesNotMatch',
    );
    const rds = new RDSClient(clientConfig(emulator, wrongSecret));
    expect((await rejection(rds.send(new DescribeDBInstancesCommand({})))).name).toBe(
      'SignatureDoesNotMatch',
    );
    const ec2 = new EC2Client(clientConfig(emulator, wrongSecret));
    expect((await rejection(ec2.send(new DescribeInstancesCommand({})))).name).toBe(
      'SignatureDoesNotMatch',
    );
    // JSON services name it InvalidSignatureException.
    const ssm = new SSMClient(clientConfig(emulator, wrongSecret));
    expect(
      (await rejection(ssm.send(new GetParameterCommand({ Name: '/demo/bastion/instance-id' }))))
        .name,
    ).toBe('InvalidSignatureException');
    const ecs = new ECSClient(clientConfig(emulator, wrongSecret));
    expect((await rejection(ecs.send(new ListClustersCommand({})))).name).toBe(
      'InvalidSignatureException',
    );
  });

  it('rejects an unknown access key per protocol', async () => {
    const sts = new STSClient(clientConfig(emulator, unknownKey));
    const stsError = await rejection(sts.send(new GetCallerIdentityCommand({})));
    expect(stsError.name).toBe('InvalidClientTokenId');
    expect(stsError.$metadata?.httpStatusCode).toBe(403);
    const ssm = new SSMClient(clientConfig(emulator, unknownKey));
    expect((await rejection(ssm.send(new GetParameterCommand({ Name: 'x' })))).name).toBe(
      'UnrecognizedClientException',
    );
    const ec2 = new EC2Client(clientConfig(emulator, unknownKey));
    expect((await rejection(ec2.send(new DescribeInstancesCommand({})))).name).toBe('AuthFailure');
  });

  it('rejects expired session credentials per protocol', async () => {
    const sts = new STSClient(clientConfig(emulator, expired));
    expect((await rejection(sts.send(new GetCallerIdentityCommand({})))).name).toBe('ExpiredToken');
    const ssm = new SSMClient(clientConfig(emulator, expired));
    expect((await rejection(ssm.send(new GetParameterCommand({ Name: 'x' })))).name).toBe(
      'ExpiredTokenException',
    );
  });

  it('accepts world session credentials only with their token', async () => {
    const good = new STSClient(
      clientConfig(emulator, {
        accessKeyId: 'ASIAWORLDSESSION0001',
        secretAccessKey: 'session-secret',
        sessionToken: 'world-session-token',
      }),
    );
    await expect(good.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: 'arn:aws:sts::000000000000:assumed-role/demo-admin/ci',
    });
    const badToken = new STSClient(
      clientConfig(emulator, {
        accessKeyId: 'ASIAWORLDSESSION0001',
        secretAccessKey: 'session-secret',
        sessionToken: 'nope',
      }),
    );
    expect((await rejection(badToken.send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );
  });

  it('answers unsigned requests with MissingAuthenticationToken', async () => {
    const query = await fetch(`${emulator.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(query.status).toBe(403);
    expect(await query.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    const json = await fetch(`${emulator.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetParameter',
      },
      body: '{"Name":"x"}',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('rejects a signature that does not cover the body', async () => {
    // Sign one body, send another: replay the SDK request with a tampered body.
    const ssm = new SSMClient(clientConfig(emulator));
    let captured: { headers: Record<string, string>; body: string } | undefined;
    ssm.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: unknown };
        const body =
          request.body instanceof Uint8Array
            ? new TextDecoder().decode(request.body)
            : String(request.body);
        captured = { headers: { ...request.headers }, body };
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await ssm.send(new GetParameterCommand({ Name: '/demo/bastion/instance-id' }));
    const headers = { ...captured!.headers };
    delete headers.host;
    delete headers['content-length'];
    const tampered = await fetch(`${emulator.endpoint}/`, {
      method: 'POST',
      headers,
      body: captured!.body.replace('/demo/bastion/instance-id', '/demo/bastion/instance-iX'),
    });
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ __type: 'InvalidSignatureException' });
  });
});
