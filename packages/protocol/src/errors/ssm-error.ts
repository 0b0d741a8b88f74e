const marker = Symbol.for('ssmkit.error');

/** Options accepted by every ssmkit error constructor. */
export interface SsmErrorOptions {
  /** The underlying error, kept for debugging (never printed with secrets). */
  cause?: unknown;
}

/**
 * Base class of every error ssmkit throws. `code` is stable across releases and documented in
 * the package READMEs; match on it rather than on the message.
 *
 * @example
 * ```ts
 * try { decodeClientMessage(bytes); } catch (error) {
 *   if (SsmError.isInstance(error) && error.code === 'ERR_PROTOCOL_INVALID_DIGEST') { … }
 * }
 * ```
 */
export class SsmError extends Error {
  /** Stable machine-readable code, e.g. `ERR_PROTOCOL_INVALID_DIGEST`. */
  readonly code: string;
  private readonly [marker] = true;

  constructor(code: string, message: string, options: SsmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SsmError';
    this.code = code;
  }

  /**
   * True for any ssmkit error, even one created by another copy of the package (a duplicated
   * dependency), where `instanceof` would fail.
   */
  static isInstance(error: unknown): error is SsmError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
