/**
 * An AWS API error as the service would return it. `code` is the wire error code (JSON `__type`,
 * XML `<Code>`), which is also the SDK exception `name` unless the model maps it (RDS
 * `DBInstanceNotFound` → `DBInstanceNotFoundFault`).
 */
export class AwsApiError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Extra members serialised beside the message (JSON) — e.g. ECS `failures`. */
  readonly extra: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    statusCode = 400,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsApiError';
    this.code = code;
    this.statusCode = statusCode;
    this.extra = extra;
  }
}

/** The three protocol families the emulator serves. */
export type ProtocolFamily = 'json' | 'query' | 'ec2';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Authentication failures, named per protocol family as AWS names them. */
export const authErrors = {
  unknownAccessKey(family: ProtocolFamily): AwsApiError {
    switch (family) {
      case 'json':
        return new AwsApiError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
          400,
        );
      case 'query':
        return new AwsApiError(
          'InvalidClientTokenId',
          'The security token included in the request is invalid.',
          403,
        );
      case 'ec2':
        return new AwsApiError(
          'AuthFailure',
          'AWS was not able to validate the provided access credentials',
          401,
        );
    }
  },
  badSignature(family: ProtocolFamily, detail?: string): AwsApiError {
    const message = detail ?? SIGNATURE_MISMATCH;
    switch (family) {
      case 'json':
        return new AwsApiError('InvalidSignatureException', message, 400);
      case 'query':
      case 'ec2':
        return new AwsApiError('SignatureDoesNotMatch', message, 403);
    }
  },
  expiredToken(family: ProtocolFamily): AwsApiError {
    switch (family) {
      case 'json':
        return new AwsApiError(
          'ExpiredTokenException',
          'The security token included in the request is expired',
          400,
        );
      case 'query':
        return new AwsApiError(
          'ExpiredToken',
          'The security token included in the request is expired',
          403,
        );
      case 'ec2':
        return new AwsApiError('RequestExpired', 'Request has expired.', 400);
    }
  },
  missingAuthentication(family: ProtocolFamily): AwsApiError {
    switch (family) {
      case 'json':
        return new AwsApiError(
          'MissingAuthenticationTokenException',
          'Missing Authentication Token',
          400,
        );
      case 'query':
        return new AwsApiError(
          'MissingAuthenticationToken',
          'Request is missing Authentication Token',
          403,
        );
      case 'ec2':
        return new AwsApiError(
          'AuthFailure',
          'AWS was not able to validate the provided access credentials',
          401,
        );
    }
  },
  incompleteSignature(family: ProtocolFamily, message: string): AwsApiError {
    switch (family) {
      case 'json':
        return new AwsApiError('IncompleteSignatureException', message, 400);
      case 'query':
        return new AwsApiError('IncompleteSignature', message, 400);
      case 'ec2':
        return new AwsApiError('AuthFailure', message, 401);
    }
  },
};
