/** STS (awsQuery, `Action=` form bodies, XML responses). */
import { AwsApiError } from '../server/aws-error.js';
import { isoDate } from '../server/xml.js';
import { newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId } from '../internal/ids.js';
import { identityFromArn } from '../state.js';
import type { QueryOperation, RequestContext } from './context.js';
import { authorize } from './permissions.js';

const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;

function stsValidation(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message, 400);
}

function notAuthorized(context: RequestContext, roleArn: string): AwsApiError {
  return new AwsApiError(
    'AccessDenied',
    `User: ${context.identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
}

const getCallerIdentity: QueryOperation = (_params, context) => ({
  Arn: context.identity.arn,
  UserId: context.identity.userId,
  Account: context.identity.accountId,
});

const assumeRole: QueryOperation = (params, context) => {
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (roleArn === undefined) {
    throw stsValidation(
      `1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (sessionName === undefined) {
    throw stsValidation(
      `1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!SESSION_NAME_PATTERN.test(sessionName)) {
    throw stsValidation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const durationText = params.get('DurationSeconds');
  const duration = durationText === undefined ? 3600 : Number(durationText);
  if (!Number.isInteger(duration) || duration < 900) {
    throw stsValidation(
      `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  }
  if (duration > 43_200) {
    throw stsValidation(
      `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`,
    );
  }
  const serialNumber = params.get('SerialNumber');
  const tokenCode = params.get('TokenCode');
  if (tokenCode !== undefined && !/^\d{6}$/.test(tokenCode)) {
    throw stsValidation(
      `1 validation error detected: Value '${tokenCode}' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*`,
    );
  }

  authorize(context, 'sts:AssumeRole', roleArn);
  const { state, identity } = context;
  const role = state.world.roles.find((candidate) => candidate.arn === roleArn);
  if (role === undefined) throw notAuthorized(context, roleArn);
  const roleAccount = roleArn.split(':')[4] ?? '';
  const trust = role.trust ?? { principals: [], accounts: [roleAccount] };
  const trusted =
    trust.principals.includes(identity.principalArn) ||
    trust.principals.includes(identity.arn) ||
    trust.accounts.includes(identity.accountId) ||
    trust.principals.includes(`arn:aws:iam::${identity.accountId}:root`);
  if (!trusted) throw notAuthorized(context, roleArn);

  if (role.mfaRequired && (serialNumber === undefined || tokenCode === undefined))
    throw notAuthorized(context, roleArn);
  if (serialNumber !== undefined || tokenCode !== undefined) {
    const device = state.world.mfaDevices.find(
      (candidate) => candidate.serialNumber === serialNumber,
    );
    if (device === undefined || tokenCode === undefined || device.code !== tokenCode) {
      throw new AwsApiError(
        'AccessDenied',
        'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
        403,
      );
    }
  }

  const chained = identity.arn.includes(':assumed-role/');
  const maximum = chained ? 3600 : role.maxSessionDurationSeconds;
  if (duration > maximum) {
    throw stsValidation(
      chained
        ? 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'
        : 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }

  const roleName =
    roleArn
      .slice(roleArn.indexOf(':role/') + ':role/'.length)
      .split('/')
      .pop() ?? '';
  const assumedArn = `arn:aws:sts::${roleAccount}:assumed-role/${roleName}/${sessionName}`;
  const accessKeyId = newTemporaryAccessKeyId();
  const secretAccessKey = newSecretAccessKey();
  const sessionToken = newSessionToken();
  const expiresAt = Math.floor((state.clock.now() + duration * 1000) / 1000) * 1000;
  const roleId = `AROA${Buffer.from(roleArn).toString('hex').toUpperCase().slice(-16)}`;
  const assumedRoleId = `${roleId}:${sessionName}`;
  state.credentials.set(accessKeyId, {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiresAt,
    identity: { ...identityFromArn(assumedArn, roleAccount, assumedRoleId, accessKeyId) },
  });
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      SessionToken: sessionToken,
      Expiration: isoDate(expiresAt),
    },
    AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: assumedArn },
    PackedPolicySize: undefined,
  };
};

export const stsOperations: Record<string, QueryOperation> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};
