import { SsmError, type SsmErrorOptions } from '@ssmkit/protocol';

/** Every code a {@link ConfigError} can carry. Documented in the package README. */
export const ConfigErrorCode = {
  /** No region in the options, AWS_REGION / AWS_DEFAULT_REGION, or the profile. */
  MISSING_REGION: 'ERR_CONFIG_MISSING_REGION',
  /** An option failed validation; the message names the option and what is expected. */
  INVALID_OPTION: 'ERR_CONFIG_INVALID_OPTION',
  /** An SDK client was requested from an `AwsContext` after `destroy()`. */
  CONTEXT_DESTROYED: 'ERR_CONFIG_CONTEXT_DESTROYED',
} as const;

export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** Options of {@link ConfigError}. */
export interface ConfigErrorOptions extends SsmErrorOptions {
  /** Dotted paths of the invalid options, e.g. `['mfa.code']`. */
  options?: string[];
}

/** The caller's options or environment are incomplete or invalid. Fix the input and retry. */
export class ConfigError extends SsmError {
  override readonly code: ConfigErrorCode;
  /** Dotted paths of the offending options (empty when not about a specific option). */
  readonly options: string[];

  constructor(code: ConfigErrorCode, message: string, options: ConfigErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ConfigError';
    this.code = code;
    this.options = options.options ?? [];
  }

  /** True for a {@link ConfigError}, even from another copy of the package (where `instanceof` fails). */
  static override isInstance(error: unknown): error is ConfigError {
    return SsmError.isInstance(error) && error.name === 'ConfigError';
  }
}
