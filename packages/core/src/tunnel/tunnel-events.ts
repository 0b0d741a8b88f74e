import type { SessionEndReason } from '../session/reconnecting-session.js';
import type { TunnelError } from './tunnel-error.js';

/** How a port session forwards: one smux stream per connection, or one connection at a time. */
export type TunnelMode = 'mux' | 'basic';

/**
 * What a tunnel (or stdio session) is doing, for progress displays and metrics. Passed to
 * `onEvent` and emitted under its `type`. Never carries a token, credential or StreamUrl.
 */
export type TunnelEvent =
  /** Target resolution starts (`target` is a one-line description of the spec). */
  | { type: 'resolving'; target: string }
  /** An ephemeral ECS task is being started as the bastion. */
  | { type: 'starting-task'; cluster: string; taskDefinition: string }
  /** The ephemeral task is RUNNING (its agent may still be starting). */
  | { type: 'task-running'; taskArn: string }
  /** The target is known. */
  | { type: 'target-resolved'; target: string; description: string }
  /** A session's handshake completed; `mode` is undefined for stdio sessions. */
  | {
      type: 'session-started';
      sessionId: string;
      target: string;
      agentVersion: string;
      mode: TunnelMode | 'stdio';
    }
  /** The local listener accepts connections (TCP `address`/`port`, or a unix socket `path`). */
  | { type: 'listening'; address: string; port: number; path?: string }
  /** A local connection was accepted; in basic mode it may wait (`queued`) for its turn. */
  | {
      type: 'connection-open';
      connectionId: number;
      remoteAddress: string | undefined;
      remotePort: number | undefined;
      queued: boolean;
    }
  /** A local connection closed. `error` is set when it failed (destination refused, session lost). */
  | {
      type: 'connection-close';
      connectionId: number;
      /** Bytes read from the local connection and sent through the tunnel. */
      bytesSent: number;
      /** Bytes received through the tunnel and written to the local connection. */
      bytesReceived: number;
      durationMs: number;
      error?: Error;
    }
  /** The WebSocket dropped; ResumeSession and a new WebSocket follow. */
  | { type: 'reconnecting'; sessionId: string; attempt: number }
  /** The data channel is back; nothing was lost. */
  | { type: 'reconnected'; sessionId: string; attempts: number; downtimeMs: number }
  /**
   * The session ended. A port tunnel keeps listening and opens a fresh session for the next
   * connection; a stdio session is over.
   */
  | {
      type: 'session-ended';
      sessionId: string;
      reason: SessionEndReason;
      /** `channel_closed` text, e.g. the idle-timeout message; empty when none. */
      output: string;
      error?: TunnelError;
    }
  /**
   * `close()` finished: listener closed, session terminated, ephemeral bastion stopped. `error`
   * is set when the tunnel closed itself after a fatal error (its listener failed).
   */
  | { type: 'closed'; error?: Error };

/** Event name of a {@link TunnelEvent}. */
export type TunnelEventType = TunnelEvent['type'];

/** Listener map for `on`/`off`: each event under its type, and every event under `'event'`. */
export type TunnelEventMap = {
  [K in TunnelEventType]: [event: Extract<TunnelEvent, { type: K }>];
} & { event: [event: TunnelEvent] };

/** Counters of a tunnel, from {@link PortTunnel.stats}. */
export interface TunnelStats {
  /** Bytes read from local connections (or stdin) and sent through the tunnel. */
  bytesSent: number;
  /** Bytes received through the tunnel and written to local connections (or stdout). */
  bytesReceived: number;
  /** Local connections currently open (including queued ones in basic mode). */
  connectionsOpen: number;
  /** Basic mode: connections waiting for their turn. */
  connectionsQueued: number;
  /** Local connections accepted so far. */
  connectionsTotal: number;
  /** WebSocket reconnects (ResumeSession) that succeeded, over all sessions. */
  reconnects: number;
  /** Sessions started (the first plus one per transparent restart). */
  sessionsStarted: number;
  /** The current session, if one is open. */
  sessionId: string | undefined;
}
