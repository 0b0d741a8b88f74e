import type { Output } from './output.js';
import { ExitCode } from './exit-codes.js';

/** After the first Ctrl-C, when a graceful close still runs, say what is happening. */
const STILL_STOPPING_AFTER_MS = 10_000;

/**
 * Ctrl-C handling: the first SIGINT (or SIGTERM) aborts `signal` — opening stops, open tunnels
 * close gracefully (session terminated, ephemeral bastion stopped); a second one exits at once
 * with code 130.
 */
export class Interrupts {
  readonly #controller = new AbortController();
  readonly #output: Output;
  #count = 0;
  readonly #onSignal = (name: NodeJS.Signals): void => {
    this.#count++;
    if (this.#count === 1) {
      this.#output.stopSpinner();
      this.#output.info(
        name === 'SIGINT' ? 'Stopping… (Ctrl-C again to force)' : `Stopping (${name})…`,
      );
      this.#controller.abort(new Error(`${name} received`));
      // AWS unreachable: TerminateSession/StopTask keep retrying. Say so instead of looking hung.
      setTimeout(() => {
        this.#output.warn(
          `Still stopping after ${STILL_STOPPING_AFTER_MS / 1000} s: AWS is slow to answer TerminateSession/StopTask. Ctrl-C again to exit now, then run \`ssm-tunnel status\` and \`ssm-tunnel cleanup\` when AWS is reachable.`,
        );
      }, STILL_STOPPING_AFTER_MS).unref();
      return;
    }
    this.#output.error('Forced exit: the session and any ephemeral task may still be running.', {
      message: 'forced exit',
      code: 'ERR_CLI_CANCELLED',
    });
    process.exit(ExitCode.INTERRUPTED);
  };

  constructor(output: Output) {
    this.#output = output;
  }

  /** Aborted on the first Ctrl-C. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Listen for SIGINT/SIGTERM. */
  install(): void {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** Stop listening. */
  uninstall(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }

  /** Resolves on the first Ctrl-C. */
  wait(): Promise<void> {
    const { signal } = this.#controller;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
}
