/** Secrets Manager (AWS JSON 1.1, `X-Amz-Target: secretsmanager.<Operation>`). */
import { createHash } from 'node:crypto';
import { AwsApiError } from '../server/aws-error.js';
import type { WorldSecret } from '../world/schema.js';
import { epochSeconds, isVisibleIn, optionalString, requiredString } from './context.js';
import type { JsonOperation, RequestContext } from './context.js';
import { authorize } from './permissions.js';

function secretArn(context: RequestContext, secret: WorldSecret): string {
  if (secret.arn !== undefined) return secret.arn;
  const suffix = createHash('sha256')
    .update(secret.name)
    .digest('base64url')
    .replace(/[-_]/g, 'x')
    .slice(0, 6);
  return `arn:aws:secretsmanager:${context.region}:${context.identity.accountId}:secret:${secret.name}-${suffix}`;
}

function versionId(secret: WorldSecret): string {
  const hex = createHash('sha256').update(`${secret.name}\0${secret.secretString}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const getSecretValue: JsonOperation = (input, context) => {
  const secretId = requiredString(input, 'SecretId', 'InvalidParameterException');
  const stage = optionalString(input, 'VersionStage', 'InvalidParameterException');
  const requestedVersion = optionalString(input, 'VersionId', 'InvalidParameterException');
  const secret = context.state.world.secrets.find((candidate) => {
    if (!isVisibleIn(candidate, context.region)) return false;
    const arn = secretArn(context, candidate);
    // A partial ARN (without the 6-character suffix) also matches, like AWS.
    return (
      candidate.name === secretId ||
      arn === secretId ||
      (secretId.startsWith('arn:') && arn.startsWith(`${secretId}-`))
    );
  });
  const resource = secret === undefined ? secretId : secretArn(context, secret);
  authorize(context, 'secretsmanager:GetSecretValue', resource);
  if (secret === undefined) {
    throw new AwsApiError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
      400,
    );
  }
  const version = versionId(secret);
  if (
    (stage !== undefined && stage !== 'AWSCURRENT') ||
    (requestedVersion !== undefined && requestedVersion !== version)
  ) {
    throw new AwsApiError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for staging label: " +
        (stage ?? requestedVersion ?? ''),
      400,
    );
  }
  return {
    ARN: secretArn(context, secret),
    Name: secret.name,
    VersionId: version,
    SecretString: secret.secretString,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: epochSeconds(Date.UTC(2026, 0, 1)),
  };
};

export const secretsManagerOperations: Record<string, JsonOperation> = {
  GetSecretValue: getSecretValue,
};
