import createDebug from 'debug';

/** A `debug` logger with `.error` and an opt-in `.trace` child (see conventions §10). */
export interface Logger {
  (formatter: string, ...args: unknown[]): void;
  enabled: boolean;
  error: (formatter: string, ...args: unknown[]) => void;
  trace: (formatter: string, ...args: unknown[]) => void;
}

/** Create a logger for `namespace` (`ssmkit:core:aws`). Arguments are printf-style, never templates. */
export function createLogger(namespace: string): Logger {
  const log = createDebug(namespace) as unknown as Logger;
  log.error = createDebug(`${namespace}:error`);
  log.trace = createDebug(`${namespace}:trace`);
  return log;
}

/** The logger of everything under `src/aws`, `src/targets` and `src/endpoints`. */
export const awsLog = createLogger('ssmkit:core:aws');
