import { SsmError, type SsmErrorOptions } from '@ssmkit/protocol';

/** Every code an {@link AwsError} can carry. Documented in the package README. */
export const AwsErrorCode = {
  /** No credentials could be loaded from any source of the SDK's default chain (or the profile is broken). */
  CREDENTIALS: 'ERR_AWS_CREDENTIALS',
  /** The credentials were rejected by AWS (unknown key, bad signature). */
  INVALID_CREDENTIALS: 'ERR_AWS_INVALID_CREDENTIALS',
  /** The credentials (or the assumed-role session) have expired and could not be refreshed. */
  EXPIRED_CREDENTIALS: 'ERR_AWS_EXPIRED_CREDENTIALS',
  /** STS AssumeRole failed for a reason other than MFA (trust policy, unknown role, duration). */
  ASSUME_ROLE: 'ERR_AWS_ASSUME_ROLE',
  /** The role requires MFA and no code was given, the code was wrong, or a one-time code was already used. */
  MFA: 'ERR_AWS_MFA',
  /** The identity lacks an IAM permission for the named operation. */
  ACCESS_DENIED: 'ERR_AWS_ACCESS_DENIED',
  /** Session Manager says the target is not connected (agent offline, no route to SSM endpoints). */
  TARGET_NOT_CONNECTED: 'ERR_AWS_TARGET_NOT_CONNECTED',
  /** AWS throttled the request and the SDK's retries ran out. */
  THROTTLED: 'ERR_AWS_THROTTLED',
  /** The AWS endpoint could not be reached (DNS, connection refused, TLS, proxy). */
  NETWORK: 'ERR_AWS_NETWORK',
  /** Any other error answered by an AWS API; `awsErrorName` has the service's error name. */
  REQUEST_FAILED: 'ERR_AWS_REQUEST_FAILED',
} as const;

export type AwsErrorCode = (typeof AwsErrorCode)[keyof typeof AwsErrorCode];

/** Options of {@link AwsError}. */
export interface AwsErrorOptions extends SsmErrorOptions {
  /** The AWS operation, as an IAM action: `ecs:RunTask`, `sts:AssumeRole`. */
  operation?: string;
  /** The error name AWS (or the SDK) gave, e.g. `AccessDeniedException`. */
  awsErrorName?: string;
  /** The AWS request id, for support cases. */
  requestId?: string;
  /** HTTP status of the failed response. */
  httpStatusCode?: number;
}

/**
 * An AWS API call or credential lookup failed. The SDK error is kept in `cause`; `operation` names
 * the IAM action (`ssm:StartSession`) so access-denied errors tell you which permission to grant.
 */
export class AwsError extends SsmError {
  override readonly code: AwsErrorCode;
  /** The IAM action of the failed call, e.g. `ec2:DescribeInstances`. */
  readonly operation: string | undefined;
  /** The AWS error name (`AccessDeniedException`, `TargetNotConnected`, …). */
  readonly awsErrorName: string | undefined;
  /** The AWS request id, when AWS answered. */
  readonly requestId: string | undefined;
  /** HTTP status code, when AWS answered. */
  readonly httpStatusCode: number | undefined;

  constructor(code: AwsErrorCode, message: string, options: AwsErrorOptions = {}) {
    super(code, message, options);
    this.name = 'AwsError';
    this.code = code;
    this.operation = options.operation;
    this.awsErrorName = options.awsErrorName;
    this.requestId = options.requestId;
    this.httpStatusCode = options.httpStatusCode;
  }

  /** True for a {@link AwsError}, even from another copy of the package (where `instanceof` fails). */
  static override isInstance(error: unknown): error is AwsError {
    return SsmError.isInstance(error) && error.name === 'AwsError';
  }
}
