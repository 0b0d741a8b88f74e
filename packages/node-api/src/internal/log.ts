import createDebug from 'debug';

/** A `debug` logger with `.error` and an opt-in `.trace` child (conventions §10). @internal */
export interface DebugLog {
  (formatter: string, ...args: unknown[]): void;
  readonly namespace: string;
  enabled: boolean;
  error: (formatter: string, ...args: unknown[]) => void;
  trace: (formatter: string, ...args: unknown[]) => void;
}

function createLog(namespace: string): DebugLog {
  const log = createDebug(namespace) as unknown as DebugLog;
  log.error = createDebug(`${namespace}:error`);
  log.trace = createDebug(`${namespace}:trace`);
  return log;
}

/** `DEBUG=ssmkit:node-api` (or `ssmkit:*`). Creating a `debug` instance does no I/O. @internal */
export const log = createLog('ssmkit:node-api');
