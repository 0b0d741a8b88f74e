import type { TunnelEvent } from '@ssmkit/core';

/**
 * Where a tunnel reports what it does. Any object with some of these methods works: `console`,
 * a pino or winston logger, or your own. Each call gets a one-line message and the
 * {@link TunnelEvent} it describes (never a credential, token or StreamUrl). Nothing is printed
 * unless you pass one.
 *
 * Levels: `debug` for connections and resolution steps, `info` for the tunnel's milestones
 * (target resolved, session started, listening, closed), `warn` for reconnects and sessions the
 * service ended with an error.
 */
export interface TunnelLogger {
  debug?: (message: string, event: TunnelEvent) => void;
  info?: (message: string, event: TunnelEvent) => void;
  warn?: (message: string, event: TunnelEvent) => void;
  error?: (message: string, event: TunnelEvent) => void;
}

type Level = keyof TunnelLogger;

/** The level and one-line message of an event. @internal */
export function describeEvent(event: TunnelEvent): { level: Level; message: string } {
  switch (event.type) {
    case 'resolving':
      return { level: 'debug', message: `resolving target ${event.target}` };
    case 'starting-task':
      return {
        level: 'info',
        message: `starting ephemeral bastion task (${event.taskDefinition} in cluster ${event.cluster})`,
      };
    case 'task-running':
      return { level: 'info', message: `ephemeral bastion task running: ${event.taskArn}` };
    case 'target-resolved':
      return { level: 'info', message: `target ${event.description}` };
    case 'session-started':
      return {
        level: 'info',
        message: `session ${event.sessionId} started on ${event.target} (agent ${event.agentVersion}, ${event.mode} mode)`,
      };
    case 'listening':
      return {
        level: 'info',
        message: `listening on ${event.path ?? `${event.address}:${event.port}`}`,
      };
    case 'connection-open':
      return {
        level: 'debug',
        message: `connection ${event.connectionId} opened${event.queued ? ' (queued)' : ''}`,
      };
    case 'connection-close':
      return {
        level: event.error === undefined ? 'debug' : 'warn',
        message: `connection ${event.connectionId} closed: sent ${event.bytesSent} B, received ${event.bytesReceived} B${event.error === undefined ? '' : ` (${event.error.message})`}`,
      };
    case 'reconnecting':
      return {
        level: 'warn',
        message: `session ${event.sessionId}: WebSocket dropped, reconnecting (attempt ${event.attempt})`,
      };
    case 'reconnected':
      return {
        level: 'info',
        message: `session ${event.sessionId}: reconnected after ${event.downtimeMs} ms`,
      };
    case 'session-ended':
      return {
        level: event.error === undefined ? 'info' : 'warn',
        message: `session ${event.sessionId} ended (${event.reason})${event.output === '' ? '' : `: ${event.output}`}`,
      };
    case 'closed':
      return { level: 'info', message: 'tunnel closed' };
    default:
      return { level: 'debug', message: (event as { type: string }).type };
  }
}

/** Pass `event` to `logger`, prefixed with the tunnel's label; a throwing logger is ignored. @internal */
export function logEvent(
  logger: TunnelLogger | undefined,
  label: string,
  event: TunnelEvent,
): void {
  if (logger === undefined) return;
  const { level, message } = describeEvent(event);
  const method = logger[level];
  if (typeof method !== 'function') return;
  try {
    method.call(logger, label === '' ? message : `[${label}] ${message}`, event);
  } catch {
    // A logger must never break a tunnel.
  }
}
