import { Interrupts } from './interrupts.js';
import { Output, type OutputOptions } from './output.js';
import { createPrompter, type Prompter, type PrompterOptions } from './prompter.js';

/** What a command needs from the process: output, prompts, Ctrl-C, environment. */
export interface CliRuntime {
  output: Output;
  prompter: Prompter;
  interrupts: Interrupts;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Arguments after `--` (the command `db` runs). */
  passthrough: string[];
}

/** Injectable pieces of the runtime (tests). */
export interface RuntimeOverrides {
  output?: OutputOptions;
  prompter?: PrompterOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

let overrides: RuntimeOverrides = {};
let passthrough: string[] = [];
let current: CliRuntime | undefined;
let exitCode: number | undefined;

/** Lets a command choose the process exit code (e.g. `db -- cmd` passes its child's). */
export function setExitCode(code: number): void {
  exitCode = code;
}

/** The exit code a command asked for. @internal */
export function requestedExitCode(): number | undefined {
  return exitCode;
}

/** Set by `main()` before commands run. @internal */
export function configureRuntime(next: RuntimeOverrides, rest: string[]): void {
  overrides = next;
  passthrough = rest;
  current = undefined;
  exitCode = undefined;
}

/** The runtime for a command, built from its output flags on first use. */
export function useRuntime(flags: {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}): CliRuntime {
  if (current !== undefined) return current;
  const env = overrides.env ?? process.env;
  const output = new Output({
    ...overrides.output,
    // `db … -- cmd > file`: stdout belongs to the command, so everything else goes to stderr.
    ...(passthrough.length > 0 ? { stdout: overrides.output?.stderr ?? process.stderr } : {}),
    env,
    json: flags.json === true,
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
  });
  current = {
    output,
    prompter: createPrompter({ ...overrides.prompter, env }),
    interrupts: new Interrupts(output),
    env,
    cwd: overrides.cwd ?? process.cwd(),
    passthrough,
  };
  return current;
}

/** The runtime, if a command created one (for error rendering). */
export function currentRuntime(): CliRuntime | undefined {
  return current;
}
