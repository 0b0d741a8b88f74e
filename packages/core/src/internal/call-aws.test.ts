import { SsmError } from '@ssmkit/protocol';
import { describe, expect, test } from 'vitest';
import { AwsError } from '../errors/aws-error.js';
import { TargetError } from '../errors/target-error.js';
import { callAws, toAwsError } from './call-aws.js';

function sdkError(
  name: string,
  extra: object = { $metadata: { httpStatusCode: 400, requestId: 'req-1' } },
) {
  return Object.assign(new Error(`${name} message`), { name }, extra);
}

describe('toAwsError', () => {
  test.each([
    ['AccessDeniedException', 'ERR_AWS_ACCESS_DENIED'],
    ['AccessDenied', 'ERR_AWS_ACCESS_DENIED'],
    ['UnauthorizedOperation', 'ERR_AWS_ACCESS_DENIED'],
    ['TargetNotConnected', 'ERR_AWS_TARGET_NOT_CONNECTED'],
    ['InvalidClientTokenId', 'ERR_AWS_INVALID_CREDENTIALS'],
    ['SignatureDoesNotMatch', 'ERR_AWS_INVALID_CREDENTIALS'],
    ['UnrecognizedClientException', 'ERR_AWS_INVALID_CREDENTIALS'],
    ['ExpiredToken', 'ERR_AWS_EXPIRED_CREDENTIALS'],
    ['ExpiredTokenException', 'ERR_AWS_EXPIRED_CREDENTIALS'],
    ['ThrottlingException', 'ERR_AWS_THROTTLED'],
    ['RequestLimitExceeded', 'ERR_AWS_THROTTLED'],
    ['CredentialsProviderError', 'ERR_AWS_CREDENTIALS'],
    ['ParameterNotFound', 'ERR_AWS_REQUEST_FAILED'],
  ])('%s → %s', (name, code) => {
    const error = toAwsError(sdkError(name), 'ssm:StartSession') as AwsError;
    expect(AwsError.isInstance(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.operation).toBe('ssm:StartSession');
    expect(error.awsErrorName).toBe(name);
    expect(error.cause).toBeInstanceOf(Error);
  });

  test('keeps the request id and status', () => {
    const error = toAwsError(sdkError('ParameterNotFound'), 'ssm:GetParameter') as AwsError;
    expect(error).toMatchObject({ requestId: 'req-1', httpStatusCode: 400 });
  });

  test('network errors without an HTTP response → ERR_AWS_NETWORK', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const error = toAwsError(refused, 'sts:GetCallerIdentity') as AwsError;
    expect(error.code).toBe('ERR_AWS_NETWORK');
    expect(error.message).toContain('AWS_ENDPOINT_URL');
  });

  test('ssmkit errors and AbortErrors pass through unchanged', () => {
    const ours = new TargetError('ERR_TARGET_OFFLINE', 'offline');
    expect(toAwsError(ours, 'x:Y')).toBe(ours);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toAwsError(abort, 'x:Y')).toBe(abort);
  });

  test('isInstance distinguishes the subclasses', () => {
    const error = new AwsError('ERR_AWS_MFA', 'mfa');
    expect(SsmError.isInstance(error)).toBe(true);
    expect(AwsError.isInstance(error)).toBe(true);
    expect(TargetError.isInstance(error)).toBe(false);
  });
});

describe('callAws', () => {
  test('returns the result or throws the translated error', async () => {
    await expect(callAws('ecs:ListTasks', async () => 42)).resolves.toBe(42);
    await expect(
      callAws('ecs:ListTasks', async () => {
        throw sdkError('AccessDeniedException');
      }),
    ).rejects.toMatchObject({ code: 'ERR_AWS_ACCESS_DENIED', operation: 'ecs:ListTasks' });
  });
});
