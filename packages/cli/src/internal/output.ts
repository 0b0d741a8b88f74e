import type { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';

/** Streams and switches the CLI renders with (injectable for tests). */
export interface OutputOptions {
  /** One JSON object per line on stdout instead of human output. */
  json?: boolean;
  /** Only errors and results. */
  quiet?: boolean;
  /** Connection open/close lines and every progress step. */
  verbose?: boolean;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean };
  /** Environment, for NO_COLOR / FORCE_COLOR. @default process.env */
  env?: NodeJS.ProcessEnv;
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Whether colour is wanted on a stream: a TTY, NO_COLOR unset or empty, TERM not `dumb`. */
export function colorEnabled(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') {
    return true;
  }
  return stream.isTTY === true && env.TERM !== 'dumb';
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';
const STYLE_CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/** A value safe for JSON lines: errors become `{ code, message }`. */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), message: value.message };
  }
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = jsonSafe(item);
    return result;
  }
  return value;
}

/**
 * Everything the CLI prints goes through here: human lines on stderr (progress, warnings) and
 * stdout (results), or JSON lines on stdout with `--json`. Libraries never print.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly #colorOut: boolean;
  readonly #colorErr: boolean;
  #spinnerText: string | undefined;
  #spinnerTimer: ReturnType<typeof setInterval> | undefined;
  #spinnerFrame = 0;
  #spinnerStartedAt = 0;

  constructor(options: OutputOptions = {}) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.verbose = (options.verbose ?? false) && !this.quiet;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    const env = options.env ?? process.env;
    this.#colorOut = colorEnabled(this.stdout, env);
    this.#colorErr = colorEnabled(this.stderr, env);
  }

  /** Style text for stdout (`toStderr` for stderr) when colour is on. */
  style(style: Style, text: string, toStderr = false): string {
    if (!(toStderr ? this.#colorErr : this.#colorOut)) return text;
    const [open, close] = STYLE_CODES[style];
    return `\u001B[${open}m${text}\u001B[${close}m`;
  }

  /** A result line on stdout (ignored in JSON mode: emit an event instead). */
  result(line: string): void {
    if (this.json) return;
    this.#clearSpinner();
    this.stdout.write(`${this.#colorOut ? line : stripVTControlCharacters(line)}\n`);
    this.#drawSpinner();
  }

  /** A progress/info line on stderr (not with --quiet or --json). */
  info(line: string): void {
    if (this.json || this.quiet) return;
    this.#writeErr(line);
  }

  /** A line on stderr only with --verbose. */
  detail(line: string): void {
    if (this.json || !this.verbose) return;
    this.#writeErr(this.style('dim', line, true));
  }

  /** A warning on stderr (a `warning` event with --json). */
  warn(message: string): void {
    if (this.json) {
      this.event({ type: 'warning', message });
      return;
    }
    this.#writeErr(`${this.style('yellow', 'warning:', true)} ${message}`);
  }

  /** An error line on stderr (an `error` event with --json). */
  error(line: string, event?: Record<string, unknown>): void {
    this.stopSpinner();
    if (this.json && event !== undefined) {
      this.event({ type: 'error', ...event });
      return;
    }
    this.#writeErr(line);
  }

  /** One JSON object per line on stdout, with --json only. */
  event(event: object): void {
    if (!this.json) return;
    this.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), ...(jsonSafe(event) as object) })}\n`,
    );
  }

  /** Start or update the spinner (TTY stderr) — or print the step under --verbose. */
  step(text: string): void {
    if (this.json || this.quiet) return;
    if (this.stderr.isTTY !== true) {
      this.detail(text);
      return;
    }
    if (this.#spinnerText === undefined) {
      this.#spinnerStartedAt = Date.now();
      this.#spinnerTimer = setInterval(() => {
        this.#spinnerFrame = (this.#spinnerFrame + 1) % SPINNER_FRAMES.length;
        this.#drawSpinner();
      }, 100);
      this.#spinnerTimer.unref();
    }
    if (this.#spinnerText !== text) this.#spinnerStartedAt = Date.now();
    this.#spinnerText = text;
    this.#drawSpinner();
  }

  /** Seconds since the current spinner started. */
  stepElapsedSeconds(): number {
    return Math.floor((Date.now() - this.#spinnerStartedAt) / 1000);
  }

  /** Stop and erase the spinner. */
  stopSpinner(): void {
    if (this.#spinnerTimer !== undefined) clearInterval(this.#spinnerTimer);
    this.#spinnerTimer = undefined;
    this.#clearSpinner();
    this.#spinnerText = undefined;
  }

  #writeErr(line: string): void {
    this.#clearSpinner();
    this.stderr.write(`${this.#colorErr ? line : stripVTControlCharacters(line)}\n`);
    this.#drawSpinner();
  }

  #drawSpinner(): void {
    if (this.#spinnerText === undefined) return;
    const frame = SPINNER_FRAMES[this.#spinnerFrame] ?? '-';
    const seconds = this.stepElapsedSeconds();
    const elapsed = seconds >= 1 ? this.style('dim', ` ${seconds}s`, true) : '';
    this.stderr.write(
      `\r\u001B[2K${this.style('cyan', frame, true)} ${this.#spinnerText}${elapsed}`,
    );
  }

  #clearSpinner(): void {
    if (this.#spinnerText !== undefined) this.stderr.write('\r\u001B[2K');
  }
}
