/**
 * The seam between the control plane (this package's HTTP server) and the data-channel service
 * (the emulated Session Manager service + agent). The HTTP server validates the WebSocket
 * upgrade and the open frame (single-use token), then hands the socket over through
 * `DataChannelService.connect()`. Service-side events (TerminateSession, admin actions) reach the
 * data channel through `endSession()` / `killSockets()`.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { EmulatorState, SessionEndReason, SessionRecord } from '../state.js';

/**
 * The open-data-channel request (spec §2 step 2) as the client sent it, minus `TokenValue`
 * (already verified and spent; it is never handed on so it cannot leak into logs).
 */
export interface OpenDataChannelRequest {
  /** Always `"1.0"`. */
  MessageSchemaVersion: '1.0';
  /** Fresh UUID per open. */
  RequestId: string;
  /** Client UUID, stable across reconnects of one client process. */
  ClientId: string;
  /** Plugin/client version; absent for clients ≤ 1.2.650.0. Decides basic vs smux mode. */
  ClientVersion?: string;
}

/** A client data-channel socket whose open frame and token were accepted. */
export interface DataChannelConnection {
  /** The WebSocket, after the open frame. The service owns it from now on (listeners, close). */
  socket: WebSocket;
  /** The session the token belonged to (live record; status is already `Connected`). */
  session: SessionRecord;
  /** The parsed open frame. */
  open: OpenDataChannelRequest;
  /** The HTTP upgrade request (headers, remote address). */
  request: IncomingMessage;
  /** Shared emulator state: faults, pace, preferences, host aliases (`state.world.hostAliases`). */
  state: EmulatorState;
  /** True when this open used a token from ResumeSession (a reconnect of an existing session). */
  resumed: boolean;
}

/**
 * Implemented by the data-channel step. All methods are called synchronously by the control
 * plane; `connect()` must attach its `message` listener before returning so no frame is missed.
 */
export interface DataChannelService {
  /** A validated client socket for `connection.session`. Called once per accepted open frame. */
  connect(connection: DataChannelConnection): void;
  /**
   * The session ended on the service side (TerminateSession API, admin API, idle timeout decided
   * by the service itself): send `channel_closed` and close the session's sockets.
   */
  endSession(session: SessionRecord, reason: SessionEndReason): void;
  /** Admin "kill socket": drop the session's sockets abruptly (no channel_closed). Returns how many. */
  killSockets(sessionId: string): number;
  /** The emulator is shutting down: close every socket and clear every timer. */
  close(): Promise<void>;
}

/**
 * The default until the data-channel step lands: accepts and holds sockets (no agent behind
 * them), closes them on session end / kill / shutdown. Useful for control-plane tests.
 */
export function createHoldingDataChannelService(): DataChannelService {
  const sockets = new Map<string, Set<WebSocket>>();
  const closeAll = (sessionId: string, code: number, reason: string): number => {
    const set = sockets.get(sessionId);
    if (set === undefined) return 0;
    sockets.delete(sessionId);
    for (const socket of set) {
      if (code === 0) socket.terminate();
      else socket.close(code, reason);
    }
    return set.size;
  };
  return {
    connect({ socket, session, state }) {
      let set = sockets.get(session.sessionId);
      if (set === undefined) {
        set = new Set();
        sockets.set(session.sessionId, set);
      }
      set.add(socket);
      socket.on('close', () => {
        set.delete(socket);
        if (set.size === 0) {
          sockets.delete(session.sessionId);
          state.setSessionConnected(session.sessionId, false);
        }
      });
    },
    endSession(session) {
      closeAll(session.sessionId, 1000, 'session terminated');
    },
    killSockets(sessionId) {
      return closeAll(sessionId, 0, '');
    },
    async close() {
      for (const sessionId of [...sockets.keys()])
        closeAll(sessionId, 1001, 'emulator shutting down');
    },
  };
}
