import type * as z from 'zod/v4';
import { ConfigError } from '../errors/config-error.js';

/**
 * Validate `input` against `schema` once, at a public entry point. Throws a {@link ConfigError}
 * (`ERR_CONFIG_INVALID_OPTION`) naming every offending option and what was expected.
 * @internal
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  entryPoint: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const paths = result.error.issues.map((issue) => issue.path.map(String).join('.') || '(options)');
  const details = result.error.issues
    .map((issue) => `\`${issue.path.map(String).join('.') || '(options)'}\`: ${issue.message}`)
    .join('; ');
  throw new ConfigError(
    'ERR_CONFIG_INVALID_OPTION',
    `Invalid options for ${entryPoint}(): ${details}.`,
    {
      options: paths,
      cause: result.error,
    },
  );
}
