import { SsmError } from '@ssmkit/protocol';
import { AwsError, type AwsErrorCode } from '../errors/aws-error.js';
import { awsLog } from './logger.js';

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
  'AuthorizationErrorException',
]);
const INVALID_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'AuthFailure',
  'MissingAuthenticationToken',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** Pull the fields we need out of an unknown SDK error. @internal */
export function describeSdkError(error: unknown): {
  name: string;
  message: string;
  code: string | undefined;
  httpStatusCode: number | undefined;
  requestId: string | undefined;
} {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  return {
    name: typeof shape.name === 'string' ? shape.name : 'Error',
    message: typeof shape.message === 'string' ? shape.message : String(error),
    code: typeof shape.code === 'string' ? shape.code : undefined,
    httpStatusCode: shape.$metadata?.httpStatusCode,
    requestId: shape.$metadata?.requestId,
  };
}

/** True for the AbortError the SDK (or our `sleep`) throws when an AbortSignal fires. @internal */
export function isAbortError(error: unknown): boolean {
  const { name } = describeSdkError(error);
  return name === 'AbortError';
}

/**
 * Translate an SDK error from `operation` (an IAM action such as `ecs:RunTask`) into an
 * {@link AwsError} whose message says what to do. ssmkit errors pass through unchanged.
 * @internal
 */
export function toAwsError(error: unknown, operation: string): Error {
  if (SsmError.isInstance(error)) return error;
  if (isAbortError(error)) return error as Error;
  const sdk = describeSdkError(error);
  const details = {
    operation,
    awsErrorName: sdk.name,
    requestId: sdk.requestId,
    httpStatusCode: sdk.httpStatusCode,
    cause: error,
  };
  let code: AwsErrorCode;
  let message: string;
  if (sdk.name === 'CredentialsProviderError' || sdk.name === 'TokenProviderError') {
    code = 'ERR_AWS_CREDENTIALS';
    message = `No usable AWS credentials for ${operation}: ${sdk.message}`;
  } else if (ACCESS_DENIED.has(sdk.name)) {
    code = 'ERR_AWS_ACCESS_DENIED';
    message = `Access denied calling ${operation} (${sdk.name}: ${sdk.message}). Grant \`${operation}\` to the calling identity; the @ssmkit/core README lists the permissions each feature needs.`;
  } else if (sdk.name === 'TargetNotConnected') {
    code = 'ERR_AWS_TARGET_NOT_CONNECTED';
    message = `${operation}: the target is not connected to Session Manager (${sdk.message}). Check that its SSM agent is running and can reach the ssm/ssmmessages endpoints.`;
  } else if (INVALID_CREDENTIALS.has(sdk.name)) {
    code = 'ERR_AWS_INVALID_CREDENTIALS';
    message = `AWS rejected the credentials calling ${operation} (${sdk.name}). Check the access key, the profile, or re-run \`aws sso login\`.`;
  } else if (EXPIRED.has(sdk.name)) {
    code = 'ERR_AWS_EXPIRED_CREDENTIALS';
    message = `The AWS credentials have expired calling ${operation} (${sdk.name}). Refresh them (\`aws sso login\`, new session credentials) and retry.`;
  } else if (THROTTLED.has(sdk.name)) {
    code = 'ERR_AWS_THROTTLED';
    message = `AWS throttled ${operation} (${sdk.name}) and retries ran out. Retry later or raise \`maxAttempts\`.`;
  } else if (
    sdk.httpStatusCode === undefined &&
    (NETWORK_CODES.has(sdk.code ?? '') ||
      NETWORK_CODES.has(sdk.name) ||
      sdk.name === 'TimeoutError')
  ) {
    code = 'ERR_AWS_NETWORK';
    message = `Could not reach the AWS endpoint for ${operation} (${sdk.code ?? sdk.name}). Check the network, proxy, and \`endpoint\` / AWS_ENDPOINT_URL.`;
  } else {
    code = 'ERR_AWS_REQUEST_FAILED';
    message = `${operation} failed: ${sdk.name}: ${sdk.message}`;
  }
  return new AwsError(code, message, details);
}

/**
 * One line describing an error for logs: its code (or name) and message. Never the whole
 * object, whose nested SDK response could carry more than we want in a log.
 * @internal
 */
export function describeErrorForLog(error: unknown): string {
  const { name, message } = describeSdkError(error);
  const code = (error as { code?: unknown } | null)?.code;
  return `${typeof code === 'string' ? code : name}: ${message}`;
}

/**
 * Run one AWS call, translating failures with {@link toAwsError}.
 * @internal
 */
export async function callAws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  awsLog.trace('call %s', operation);
  try {
    return await call();
  } catch (error) {
    const translated = toAwsError(error, operation);
    awsLog('%s failed: %s', operation, (translated as { code?: string }).code ?? translated.name);
    throw translated;
  }
}
