import * as clack from '@clack/prompts';
import type { Readable, Writable } from 'node:stream';
import { CliError } from '../errors/cli-error.js';

/** One choice of a picker. */
export interface Choice<Value extends string = string> {
  value: Value;
  label: string;
  hint?: string;
}

/**
 * Asks for what is missing — only when there is a terminal. Without one, every method throws
 * `ERR_CLI_NOT_INTERACTIVE` naming the exact flag to pass, so CI never hangs on a prompt.
 */
export interface Prompter {
  /** True when prompts can be shown (stdin and stderr are terminals and `CI` is not set). */
  readonly interactive: boolean;
  /** Pick one of `choices`; `flag` is named in the error when not interactive. */
  select<Value extends string>(
    message: string,
    choices: Choice<Value>[],
    flag: string,
  ): Promise<Value>;
  /** Free text (`secret` masks it). */
  text(message: string, flag: string, options?: { secret?: boolean }): Promise<string>;
}

/** Streams of the prompter (tests pass fakes). */
export interface PrompterOptions {
  input?: Readable & { isTTY?: boolean };
  output?: Writable & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

function notInteractive(flag: string, message: string): CliError {
  return new CliError(
    'ERR_CLI_NOT_INTERACTIVE',
    `Missing ${flag} (${message.replace(/[?:]\s*$/, '').toLowerCase()}), and stdin is not a terminal to ask on.`,
    { hint: `Pass ${flag}.` },
  );
}

function unwrap<T>(value: T | symbol): T {
  if (clack.isCancel(value) || typeof value === 'symbol') {
    throw new CliError('ERR_CLI_CANCELLED', 'Cancelled.');
  }
  return value;
}

/** A prompter on the process's terminal using @clack/prompts (output on stderr). */
export function createPrompter(options: PrompterOptions = {}): Prompter {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  const env = options.env ?? process.env;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  const interactive = input.isTTY === true && output.isTTY === true && !ci;
  return {
    interactive,
    async select(message, choices, flag) {
      if (!interactive) throw notInteractive(flag, message);
      if (choices.length === 1 && choices[0] !== undefined) return choices[0].value;
      const value = await clack.select<string>({
        message,
        options: choices.map((choice) => ({
          value: String(choice.value),
          label: choice.label,
          ...(choice.hint === undefined ? {} : { hint: choice.hint }),
        })),
        input,
        output,
      });
      return unwrap(value) as (typeof choices)[number]['value'];
    },
    async text(message, flag, textOptions = {}) {
      if (!interactive) throw notInteractive(flag, message);
      const value =
        textOptions.secret === true
          ? await clack.password({ message, input, output })
          : await clack.text({ message, input, output });
      return unwrap<string>(value);
    },
  };
}
