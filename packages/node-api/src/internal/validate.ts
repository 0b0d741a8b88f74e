import { ConfigError } from '@ssmkit/core';
import type * as z from 'zod/v4';

interface Problem {
  path: string;
  message: string;
}

/** The option names a schema accepts (for "did you mean"). */
function knownKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function problemsOf(error: z.ZodError, schema: z.ZodType, prefix: string[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? knownKeys(schema) : [];
      for (const key of issue.keys) {
        const suggestion = known.find((name) => name.toLowerCase() === key.toLowerCase());
        problems.push({
          path: [...base, key].join('.'),
          message: `unknown option${suggestion === undefined ? '' : ` (did you mean \`${suggestion}\`?)`}`,
        });
      }
      continue;
    }
    problems.push({ path: base.join('.') || '(options)', message: issue.message });
  }
  return problems;
}

/**
 * Validate `input` against `schema` once, at a public entry point. Throws a {@link ConfigError}
 * (`ERR_CONFIG_INVALID_OPTION`) whose message and `options` name every offending option.
 * @internal
 */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  entryPoint: string,
  prefix: string[] = [],
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = problemsOf(result.error, schema, prefix);
  const details = problems.map((problem) => `\`${problem.path}\`: ${problem.message}`).join('; ');
  throw new ConfigError(
    'ERR_CONFIG_INVALID_OPTION',
    `Invalid options for ${entryPoint}(): ${details}.`,
    { options: [...new Set(problems.map((problem) => problem.path))], cause: result.error },
  );
}

/** A ConfigError for one option. @internal */
export function invalidOption(entryPoint: string, option: string, message: string): ConfigError {
  return new ConfigError(
    'ERR_CONFIG_INVALID_OPTION',
    `Invalid options for ${entryPoint}(): \`${option}\`: ${message}.`,
    { options: [option] },
  );
}
