import { SsmError, type SsmErrorOptions } from '@ssmkit/protocol';

/** Every code an {@link EndpointError} can carry. Documented in the package README. */
export const EndpointErrorCode = {
  /** No RDS instance or Aurora cluster matched the query. */
  DB_NOT_FOUND: 'ERR_DB_NOT_FOUND',
  /** Several databases matched; `candidates` lists their identifiers. Narrow the query. */
  DB_AMBIGUOUS: 'ERR_DB_AMBIGUOUS',
  /** The database has no endpoint yet (creating) or no reader endpoint when one was asked for. */
  DB_NO_ENDPOINT: 'ERR_DB_NO_ENDPOINT',
  /** The database has no Secrets Manager secret to read credentials from. */
  DB_NO_SECRET: 'ERR_DB_NO_SECRET',
  /** The secret is not JSON with string `username` and `password` (the RDS-managed shape). */
  DB_SECRET_INVALID: 'ERR_DB_SECRET_INVALID',
  /** An RDS IAM authentication token could not be created. */
  DB_IAM_TOKEN: 'ERR_DB_IAM_TOKEN',
} as const;

export type EndpointErrorCode = (typeof EndpointErrorCode)[keyof typeof EndpointErrorCode];

/** Options of {@link EndpointError}. */
export interface EndpointErrorOptions extends SsmErrorOptions {
  /** The matching databases, for `ERR_DB_AMBIGUOUS`. */
  candidates?: string[];
}

/** A database endpoint or its credentials could not be looked up. */
export class EndpointError extends SsmError {
  override readonly code: EndpointErrorCode;
  /** Identifiers of the matching databases when several matched. */
  readonly candidates: string[];

  constructor(code: EndpointErrorCode, message: string, options: EndpointErrorOptions = {}) {
    super(code, message, options);
    this.name = 'EndpointError';
    this.code = code;
    this.candidates = options.candidates ?? [];
  }

  /** True for a {@link EndpointError}, even from another copy of the package (where `instanceof` fails). */
  static override isInstance(error: unknown): error is EndpointError {
    return SsmError.isInstance(error) && error.name === 'EndpointError';
  }
}
