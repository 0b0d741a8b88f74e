// SIGINT/SIGTERM handling for resources that must not outlive the process (ephemeral bastions).
//
// One process listener per signal is shared by every guard, so many tunnels do not pile up
// listeners (no MaxListenersExceededWarning). On a signal every guard's cleanup runs; then, if
// the application had no listener of its own for that signal when it arrived, the shared
// listener is removed and the signal is raised again so that the default behaviour (exit with
// 128 + signal number) happens. An application that listens itself keeps control of its exit.
import { awsLog } from './logger.js';
import { describeErrorForLog } from './call-aws.js';

/** The signals that end a process by default and that guards listen to. */
export type TerminationSignal = 'SIGINT' | 'SIGTERM';

const SIGNALS: readonly TerminationSignal[] = ['SIGINT', 'SIGTERM'];

/** After a signal, re-raise it at the latest after this long even if cleanup still runs. */
export const SIGNAL_CLEANUP_TIMEOUT_MS = 10_000;

/** Marks our listeners, so that they are not mistaken for the application's (any package copy). */
const MARK = Symbol.for('ssmkit.core.signal-guard');

/** A registered cleanup; `dispose()` it once the resource is released. @internal */
export interface SignalGuard {
  dispose(): void;
}

interface Guard {
  readonly cleanup: (signal: TerminationSignal) => Promise<void>;
  running: Promise<void> | undefined;
}

interface SignalState {
  readonly guards: Set<Guard>;
  listener: ((signal: TerminationSignal) => void) | undefined;
  handling: boolean;
}

const states = new Map<TerminationSignal, SignalState>(
  SIGNALS.map((signal) => [
    signal,
    { guards: new Set<Guard>(), listener: undefined, handling: false },
  ]),
);

function stateOf(signal: TerminationSignal): SignalState {
  return states.get(signal)!;
}

/** Listeners for `signal` that are not ssmkit's: the application's own handling. */
function foreignListenerCount(signal: TerminationSignal): number {
  return process
    .rawListeners(signal)
    .filter((listener) => (listener as { [MARK]?: boolean })[MARK] !== true).length;
}

function removeListener(signal: TerminationSignal): void {
  const state = stateOf(signal);
  if (state.listener === undefined) return;
  process.off(signal, state.listener);
  state.listener = undefined;
}

function raise(signal: TerminationSignal): void {
  removeListener(signal);
  awsLog('re-raising %s', signal);
  process.kill(process.pid, signal);
}

function runGuard(guard: Guard, signal: TerminationSignal): Promise<void> {
  guard.running ??= Promise.resolve()
    .then(() => guard.cleanup(signal))
    .catch((error: unknown) => {
      awsLog.error('cleanup after %s failed: %s', signal, describeErrorForLog(error));
    });
  return guard.running;
}

function onSignal(signal: TerminationSignal): void {
  const state = stateOf(signal);
  // Counted now: an application's `once` listener removes itself when it runs (ours runs first).
  const applicationHandles = foreignListenerCount(signal) > 0;
  if (state.handling) {
    // A second signal while cleaning up: the user insists.
    if (!applicationHandles) {
      awsLog('second %s during cleanup: ending the process now', signal);
      raise(signal);
    }
    return;
  }
  state.handling = true;
  awsLog('%s received: cleaning up %d resource(s)', signal, state.guards.size);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    state.handling = false;
    if (!applicationHandles) raise(signal);
    else if (state.guards.size === 0) removeListener(signal);
  };
  const timer = setTimeout(() => {
    awsLog.error(
      'cleanup after %s did not finish within %d ms; giving up',
      signal,
      SIGNAL_CLEANUP_TIMEOUT_MS,
    );
    finish();
  }, SIGNAL_CLEANUP_TIMEOUT_MS);
  // Kept referenced: while cleaning up, the process must not end on its own (exit code 0)
  // before the signal is raised again. finish() clears it.
  void Promise.all([...state.guards].map((guard) => runGuard(guard, signal))).then(finish);
}

function addListener(signal: TerminationSignal): void {
  const state = stateOf(signal);
  if (state.listener !== undefined) return;
  const listener = (): void => onSignal(signal);
  (listener as { [MARK]?: boolean })[MARK] = true;
  state.listener = listener;
  // First in line, so that application `once` listeners are still registered when we count them.
  process.prependListener(signal, listener);
}

/**
 * Run `cleanup` when SIGINT or SIGTERM arrives, until `dispose()` is called. When the
 * application has no listener of its own for the signal, the signal is raised again once every
 * cleanup finished (or after {@link SIGNAL_CLEANUP_TIMEOUT_MS}), so the process ends as it would
 * have without us. A second signal during cleanup ends it at once.
 * @internal
 */
export function guardSignals(cleanup: (signal: TerminationSignal) => Promise<void>): SignalGuard {
  const guard: Guard = { cleanup, running: undefined };
  for (const signal of SIGNALS) {
    stateOf(signal).guards.add(guard);
    addListener(signal);
  }
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const signal of SIGNALS) {
        const state = stateOf(signal);
        state.guards.delete(guard);
        // While handling, the listener stays until the signal is re-raised (or not).
        if (state.guards.size === 0 && !state.handling) removeListener(signal);
      }
    },
  };
}

/** Signal listeners currently installed by guards (for tests). @internal */
export function guardedSignalCount(): number {
  let count = 0;
  for (const state of states.values()) if (state.listener !== undefined) count++;
  return count;
}
