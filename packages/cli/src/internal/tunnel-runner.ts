import {
  openPortTunnel,
  type AwsContext,
  type PortTunnel,
  type ResolvedTarget,
  type TargetSpec,
  type TunnelEvent,
} from '@ssmkit/core';
import { SsmError } from '@ssmkit/protocol';
import type { Output } from './output.js';
import { describeTargetSpec } from './target-spec.js';

/** What {@link openTunnelWithProgress} opens. */
export interface TunnelRequest {
  context: AwsContext;
  target: TargetSpec | ResolvedTarget;
  /** Remote host; omitted = a port on the target itself. */
  host?: string;
  port: number;
  /** Undefined: the remote port if free, else any free port. */
  localPort?: number;
  bind?: string;
  unixSocket?: string;
  reason?: string;
  /** Name of a configured tunnel (`up`), prefixed to its lines. */
  name?: string;
  signal: AbortSignal;
}

/** Core names spec targets as JSON (`{"tag":{"Name":"bastion"}}`); show them as flags do. */
function targetText(target: string): string {
  if (!target.startsWith('{')) return target;
  try {
    return describeTargetSpec(JSON.parse(target) as TargetSpec);
  } catch {
    return target;
  }
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

/** Renders tunnel events: spinner steps, verbose connection lines, JSON event lines. */
export function renderTunnelEvent(output: Output, event: TunnelEvent, name?: string): void {
  output.event(name === undefined ? event : { ...event, tunnel: name });
  const prefix = name === undefined ? '' : `[${name}] `;
  switch (event.type) {
    case 'resolving':
      output.step(`${prefix}Finding the target (${targetText(event.target)})…`);
      break;
    case 'starting-task':
      output.step(`${prefix}Starting ECS task ${event.taskDefinition} in ${event.cluster}…`);
      break;
    case 'task-running':
      output.step(`${prefix}Task running; waiting for its SSM agent…`);
      break;
    case 'target-resolved':
      output.detail(`${prefix}Target: ${event.description}`);
      output.step(`${prefix}Starting session on ${event.target}…`);
      break;
    case 'session-started':
      output.detail(
        `${prefix}Session ${event.sessionId} started (agent ${event.agentVersion}, ${event.mode} mode)`,
      );
      break;
    case 'connection-open':
      output.detail(
        `${prefix}Connection #${event.connectionId} opened from ${event.remoteAddress ?? 'local'}${event.remotePort === undefined ? '' : `:${event.remotePort}`}${event.queued ? ' (queued)' : ''}`,
      );
      break;
    case 'connection-close':
      output.detail(
        `${prefix}Connection #${event.connectionId} closed: ${event.bytesSent} bytes sent, ${event.bytesReceived} received, ${(event.durationMs / 1000).toFixed(1)}s${event.error === undefined ? '' : ` (${event.error.message})`}`,
      );
      break;
    case 'reconnecting':
      output.info(`${prefix}Connection to AWS lost; reconnecting (attempt ${event.attempt})…`);
      break;
    case 'reconnected':
      output.info(`${prefix}Reconnected after ${event.downtimeMs} ms.`);
      break;
    case 'session-ended':
      if (event.reason === 'terminated') {
        output.detail(`${prefix}Session ${event.sessionId} terminated.`);
      } else if (event.error !== undefined) {
        output.warn(`${prefix}Session ${event.sessionId} failed: ${event.error.message}`);
      } else {
        output.info(
          `${prefix}Session ${event.sessionId} ended (${event.reason})${event.output === '' ? '' : `: ${event.output}`}; the next connection opens a new one.`,
        );
      }
      break;
    case 'listening':
    case 'closed':
      break;
  }
}

/** Sessions each tunnel started (the current one may be gone once it closes itself on Ctrl-C). */
const startedSessions = new WeakMap<PortTunnel, string[]>();

/**
 * Opens a port tunnel, showing progress (credentials → target → task → session → listening).
 * With no `localPort`, tries the remote port first and falls back to any free port.
 */
export async function openTunnelWithProgress(
  output: Output,
  request: TunnelRequest,
): Promise<PortTunnel> {
  const prefix = request.name === undefined ? '' : `[${request.name}] `;
  if (request.bind !== undefined && !isLoopback(request.bind) && request.unixSocket === undefined) {
    output.warn(
      `${prefix}listening on ${request.bind}: anyone who can reach this machine can use the tunnel.`,
    );
  }
  const sessions: string[] = [];
  const open = async (localPort: number): Promise<PortTunnel> => {
    const tunnel = await openPortTunnel({
      context: request.context,
      target: request.target,
      port: request.port,
      localPort,
      ...(request.host === undefined ? {} : { host: request.host }),
      ...(request.bind === undefined ? {} : { bindAddress: request.bind }),
      ...(request.unixSocket === undefined ? {} : { unixSocket: request.unixSocket }),
      ...(request.reason === undefined ? {} : { reason: request.reason }),
      signal: request.signal,
      onEvent: (event) => {
        if (event.type === 'session-started') sessions.push(event.sessionId);
        renderTunnelEvent(output, event, request.name);
      },
    });
    startedSessions.set(tunnel, sessions);
    return tunnel;
  };
  if (request.localPort !== undefined || request.unixSocket !== undefined) {
    return open(request.localPort ?? 0);
  }
  try {
    return await open(request.port);
  } catch (error) {
    if (
      SsmError.isInstance(error) &&
      (error.code === 'ERR_TUNNEL_PORT_IN_USE' || error.code === 'ERR_TUNNEL_BIND')
    ) {
      output.detail(`${prefix}Local port ${request.port} is not free; using any free port.`);
      return open(0);
    }
    throw error;
  }
}

/** `127.0.0.1:15432`, or the socket path. */
export function localEndpoint(tunnel: PortTunnel): string {
  return tunnel.unixSocket ?? `${tunnel.localAddress}:${tunnel.localPort}`;
}

/** The `Forwarding … Ctrl-C to stop.` line. */
export function forwardingLine(
  tunnel: PortTunnel,
  destination: { host?: string; port: number },
  name?: string,
): string {
  const remote = `${destination.host ?? tunnel.target.target}:${destination.port}`;
  const via = destination.host === undefined ? '' : ` via ${tunnel.target.target}`;
  return `${name === undefined ? '' : `[${name}] `}Forwarding ${localEndpoint(tunnel)} → ${remote}${via} (session ${tunnel.sessionId ?? 'pending'}).${name === undefined ? ' Ctrl-C to stop.' : ''}`;
}

/** Closes a tunnel and says what was cleaned up. */
export async function closeTunnelWithReport(
  output: Output,
  tunnel: PortTunnel,
  name?: string,
): Promise<void> {
  const sessions = startedSessions.get(tunnel) ?? [];
  const sessionId = sessions[sessions.length - 1];
  const task = tunnel.target.ephemeral?.taskArn;
  const stats = tunnel.stats();
  await tunnel.close();
  const parts = [sessionId === undefined ? 'no session open' : `session ${sessionId} terminated`];
  if (task !== undefined) parts.push(`ephemeral task ${task.split('/').pop() ?? task} stopped`);
  output.info(
    `${name === undefined ? '' : `[${name}] `}Tunnel closed: ${parts.join(', ')} (${stats.connectionsTotal} connection${stats.connectionsTotal === 1 ? '' : 's'}, ${stats.bytesSent} bytes sent, ${stats.bytesReceived} received).`,
  );
}
