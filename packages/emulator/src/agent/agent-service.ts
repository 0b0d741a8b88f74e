import net from 'node:net';
import createDebug from 'debug';
import {
  AgentDataChannel,
  IDLE_TIMEOUT_OUTPUT,
  PayloadType,
  PayloadTypeFlag,
  attachMuxServer,
  createWsSocket,
  isVersionGreater,
  type AgentHandshakeResult,
  type MuxSession,
  type MuxStream,
  type RetransmissionPolicy,
} from '@ssmkit/protocol';
import type { RawData, WebSocket } from 'ws';
import type {
  DataChannelConnection,
  DataChannelService,
} from '../data-channel/data-channel-service.js';
import { sessionDocument, sessionProperties } from '../services/session-documents.js';
import type { EmulatorState, SessionEndReason, SessionRecord } from '../state.js';
import { resolveDestination, type Destination } from './destination.js';
import { withFaults, type FaultStats } from './fault-socket.js';

const log = createDebug('ssmkit:emulator:agent');

/** Output of `channel_closed` per end reason. Only the idle text is known from AWS (§10.1). */
const END_OUTPUT: Record<SessionEndReason, string> = {
  'terminate-session': '',
  admin: '',
  'idle-timeout': IDLE_TIMEOUT_OUTPUT,
  'max-duration':
    'Your session has been terminated because it reached the maximum session duration.',
  'target-gone': 'The target of this session is no longer connected.',
};

/** Options of {@link createAgentDataChannelService}. */
export interface AgentServiceOptions {
  /** Random source of the fault layer (seed it for reproducible fault tests). @default Math.random */
  random?: () => number;
  /** Retransmission policy of every agent channel. @default 'faithful' (the real agent) */
  retransmission?: RetransmissionPolicy;
}

/** What the admin API reports about one emulated agent session. */
export interface AgentSessionInfo {
  sessionId: string;
  mode: 'mux' | 'basic' | 'stdio' | 'shell' | 'pending';
  connected: boolean;
  sockets: number;
  openStreams: number;
  bytesToClient: number;
  bytesFromClient: number;
  faults: FaultStats;
  /** The agent channel's retransmission policy and how many messages it retransmitted. */
  retransmission: RetransmissionPolicy;
  retransmissions: number;
}

/**
 * One emulated agent: the agent end of the data channel plus the port plugin (smux server with a
 * dial per stream, or basic/stdio forwarding to one destination connection), idle and maximum
 * duration timers, pause/start publication while the client is away.
 */
class AgentSession {
  readonly agent: AgentDataChannel;
  readonly faultStats: FaultStats = { dropped: 0, duplicated: 0, reordered: 0, delayed: 0 };
  mode: AgentSessionInfo['mode'] = 'pending';
  socket: WebSocket | undefined;
  sockets = 0;
  bytesToClient = 0;
  bytesFromClient = 0;
  readonly #destinations = new Set<net.Socket>();
  #mux: MuxSession | undefined;
  #lastActivity: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #maxTimer: ReturnType<typeof setTimeout> | undefined;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;

  constructor(
    readonly session: SessionRecord,
    private readonly state: EmulatorState,
    private readonly random: () => number,
    retransmission: RetransmissionPolicy = 'faithful',
  ) {
    this.agent = new AgentDataChannel({
      paceMs: state.pace.enabled ? 1 : 0,
      sessionId: session.sessionId,
      retransmission,
    });
    this.agent.on('close', (error) => {
      if (error !== undefined)
        log('%s: agent channel failed: %s', session.sessionId, error.message);
      this.#endFromAgent('terminate-session');
    });
    this.agent.on('flag', (flag) => this.#onFlag(flag));
    this.#lastActivity = Date.now();
    this.#armIdleTimer();
    const { maxSessionDurationMinutes, maxSessionDurationSeconds } = state.preferences;
    const maxMs =
      maxSessionDurationSeconds !== undefined
        ? maxSessionDurationSeconds * 1000
        : maxSessionDurationMinutes !== undefined
          ? maxSessionDurationMinutes * 60_000
          : undefined;
    if (maxMs !== undefined) {
      // Measured from StartSession, as the service does.
      this.#maxTimer = setTimeout(
        () => this.state.endSession(session.sessionId, 'max-duration'),
        Math.max(0, session.startDate + maxMs - Date.now()),
      );
    }
  }

  get openStreams(): number {
    return this.#destinations.size;
  }

  /** A (new) validated client socket: attach it, and on the first one start the session plugin. */
  connect(connection: DataChannelConnection): void {
    const first = this.socket === undefined && this.sockets === 0;
    this.socket = connection.socket;
    this.sockets++;
    const socket = withFaults(createWsSocket(connection.socket), () => this.state.faults, {
      random: this.random,
      stats: this.faultStats,
    });
    // Every input_stream_data from the client counts as activity, data or not: an smux NOP
    // keeps a session alive on AWS although the agent ignores it (design: keep-alive).
    connection.socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary && isInputStreamData(data)) this.#touch();
    });
    connection.socket.on('close', () => {
      if (this.socket !== connection.socket) return;
      this.socket = undefined;
      if (this.#ended) return;
      // The service tells the agent that the client is gone (§5.7).
      this.state.setSessionConnected(this.session.sessionId, false);
      this.agent.pausePublication();
    });
    this.agent.attach(socket);
    this.agent.startPublication();
    this.scheduleKill();
    if (first) void this.#start(connection);
  }

  /** (Re)arms the `--fault-kill-socket-every` timer for the current socket. */
  scheduleKill(): void {
    if (this.#killTimer !== undefined) clearTimeout(this.#killTimer);
    this.#killTimer = undefined;
    const every = this.state.faults.killSocketEveryMs;
    if (every <= 0 || this.#ended) return;
    this.#killTimer = setTimeout(() => {
      this.#killTimer = undefined;
      log('%s: fault: killing the client socket', this.session.sessionId);
      this.killSocket();
      this.scheduleKill();
    }, every);
  }

  killSocket(): number {
    const socket = this.socket;
    if (socket === undefined) return 0;
    socket.terminate();
    return 1;
  }

  async #start(connection: DataChannelConnection): Promise<void> {
    const document = sessionDocument(this.session.documentName);
    const properties = sessionProperties(this.session.documentName, this.session.parameters);
    if (document === undefined) return;
    if (
      document.sessionType === 'Standard_Stream' ||
      document.sessionType === 'InteractiveCommands'
    ) {
      // No handshake without KMS (§6.1): a shell starts and talks at once.
      this.#startShell();
      return;
    }
    let result: AgentHandshakeResult;
    try {
      result = await this.agent.startHandshake({
        agentVersion: this.session.agentVersion,
        sessionType: document.sessionType,
        properties: (properties ?? null) as Record<string, unknown> | null,
      });
    } catch (error) {
      log('%s: handshake failed: %s', this.session.sessionId, (error as Error).message);
      this.state.endSession(this.session.sessionId, 'terminate-session');
      return;
    }
    if (this.#ended) return;
    this.session.clientVersion = result.clientVersion;
    if (document.sessionType !== 'Port') {
      this.#startShell();
      return;
    }
    const portProperties = (properties ?? {}) as Record<string, unknown>;
    const destination = resolveDestination(
      connection.state.world,
      this.session.target,
      portProperties,
    );
    // Agents up to 3.0.196.0 have no smux at all (mux shipped in 3.0.222.0): basic whatever
    // the client reports, which is what the client concludes from the same version (§7.1).
    const agentHasMux = isVersionGreater(this.session.agentVersion, '3.0.196.0');
    if (result.portMode === 'mux' && agentHasMux) {
      this.mode = 'mux';
      this.#startMux(destination, !result.gates.smuxKeepAliveDisabled);
    } else {
      this.mode = portProperties.type === 'LocalPortForwarding' ? 'basic' : 'stdio';
      this.#startBasic(destination);
    }
  }

  // ---- mux ----------------------------------------------------------------------------------

  #startMux(destination: Destination, keepAlive: boolean): void {
    const mux = attachMuxServer(this.agent, { keepAlive: keepAlive ? {} : false });
    this.#mux = mux;
    log('%s: mux port session to %s', this.session.sessionId, destination.requested);
    mux.on('stream', (stream: MuxStream) => this.#dialStream(stream, destination));
    mux.on('close', (error?: Error) => {
      if (error !== undefined && !this.#ended) {
        log('%s: smux session failed: %s', this.session.sessionId, error.message);
        this.state.endSession(this.session.sessionId, 'terminate-session');
      }
    });
  }

  #dialStream(stream: MuxStream, destination: Destination): void {
    const socket = net.connect({ host: destination.host, port: destination.port });
    this.#destinations.add(socket);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      socket.setNoDelay(true);
      // Count only once both ends are piped: an earlier 'data' listener would start the flow
      // before the destination could take the bytes.
      stream.pipe(socket);
      socket.pipe(stream);
      // Client bytes arrive as ≤1024-byte payloads, many per tick: cork the destination socket
      // until the next tick so they leave in one write (before pipe's listener writes them).
      stream.prependListener('data', () => {
        if (socket.writableCorked > 0) return;
        socket.cork();
        process.nextTick(() => socket.uncork());
      });
      socket.on('data', (chunk: Buffer) => {
        this.bytesToClient += chunk.byteLength;
        this.#touch();
      });
      stream.on('data', (chunk: Uint8Array) => {
        this.bytesFromClient += chunk.byteLength;
        this.#touch();
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected) {
        log(
          '%s: stream %d: dial %s failed: %s',
          this.session.sessionId,
          stream.id,
          destination.requested,
          error.code,
        );
        // The real agent's order: the flag first, then the FIN of the stream (§11b).
        try {
          this.agent.sendFlag(PayloadTypeFlag.ConnectToPortError);
        } catch {
          // channel already closed
        }
      }
      stream.destroy();
    });
    stream.once('error', () => socket.destroy());
    stream.once('close', () => {
      if (!socket.destroyed && !connected) socket.destroy();
    });
    socket.once('close', () => {
      this.#destinations.delete(socket);
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    });
  }

  // ---- basic and stdio ----------------------------------------------------------------------

  #basic: { destination: Destination; socket: net.Socket | undefined; ready: boolean } | undefined;

  #startBasic(destination: Destination): void {
    this.#basic = { destination, socket: undefined, ready: false };
    log('%s: %s port session to %s', this.session.sessionId, this.mode, destination.requested);
    this.agent.setDataConsumer((payload, payloadType) => this.#consumeBasic(payload, payloadType));
    // The real agent dials at session start; a failure ends the session (§7.3).
    this.#dialBasic(true);
  }

  #dialBasic(atStart: boolean): void {
    const basic = this.#basic;
    if (basic === undefined || basic.socket !== undefined || this.#ended) return;
    const socket = net.connect({ host: basic.destination.host, port: basic.destination.port });
    basic.socket = socket;
    this.#destinations.add(socket);
    socket.once('connect', () => {
      socket.setNoDelay(true);
      basic.ready = true;
      this.agent.retryDelivery();
    });
    socket.on('data', (chunk: Buffer) => {
      this.bytesToClient += chunk.byteLength;
      this.#touch();
      if (!this.agent.sendData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        socket.pause();
        this.agent.once('drain', () => socket.resume());
      }
    });
    socket.on('drain', () => this.agent.retryDelivery());
    socket.once('error', (error: NodeJS.ErrnoException) => {
      log(
        '%s: destination %s: %s',
        this.session.sessionId,
        basic.destination.requested,
        error.code,
      );
      if (atStart && !basic.ready)
        this.state.endSession(this.session.sessionId, 'terminate-session');
    });
    socket.once('close', () => {
      this.#destinations.delete(socket);
      if (basic.socket !== socket) return;
      basic.socket = undefined;
      basic.ready = false;
      // stdio (AWS-StartSSHSession): the destination closing ends the session successfully.
      if (this.mode === 'stdio') this.state.endSession(this.session.sessionId, 'terminate-session');
      // basic: nothing is sent; the next client data re-dials (notes item 24).
    });
  }

  #consumeBasic(payload: Uint8Array, payloadType: number): boolean {
    if (payloadType !== PayloadType.Output) return true;
    const basic = this.#basic;
    if (basic === undefined) return false;
    if (basic.socket === undefined) {
      this.#dialBasic(false);
      return false;
    }
    if (!basic.ready || basic.socket.writableNeedDrain) return false;
    this.bytesFromClient += payload.byteLength;
    this.#touch();
    basic.socket.write(payload);
    return true;
  }

  // ---- shells (a minimal echo stand-in) ----------------------------------------------------

  #startShell(): void {
    this.mode = 'shell';
    this.agent.setDataConsumer((payload, payloadType) => {
      if (payloadType !== PayloadType.Output) return true;
      this.#touch();
      this.agent.sendData(payload);
      return true;
    });
  }

  // ---- flags, activity and the end ----------------------------------------------------------

  #onFlag(flag: number): void {
    if (flag === PayloadTypeFlag.TerminateSession) {
      log('%s: TerminateSession flag', this.session.sessionId);
      this.state.endSession(this.session.sessionId, 'terminate-session');
    } else if (flag === PayloadTypeFlag.DisconnectToPort && this.#basic !== undefined) {
      // Basic mode: close the destination; the next client data re-dials. Ignored in mux mode.
      const socket = this.#basic.socket;
      this.#basic.socket = undefined;
      this.#basic.ready = false;
      socket?.destroy();
      if (this.mode === 'stdio') this.state.endSession(this.session.sessionId, 'terminate-session');
    }
  }

  #touch(): void {
    this.#lastActivity = Date.now();
  }

  #armIdleTimer(): void {
    const idleMs = idleTimeoutMs(this.state);
    const remaining = this.#lastActivity + idleMs - Date.now();
    this.#idleTimer = setTimeout(
      () => {
        this.#idleTimer = undefined;
        if (this.#ended) return;
        if (Date.now() - this.#lastActivity >= idleTimeoutMs(this.state)) {
          log('%s: idle timeout', this.session.sessionId);
          this.state.endSession(this.session.sessionId, 'idle-timeout');
        } else {
          this.#armIdleTimer();
        }
      },
      Math.max(10, remaining),
    );
  }

  /** Preferences changed: re-evaluate the idle deadline at once. */
  rearmIdleTimer(): void {
    if (this.#ended) return;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#armIdleTimer();
  }

  #endFromAgent(reason: SessionEndReason): void {
    if (!this.#ended) this.state.endSession(this.session.sessionId, reason);
  }

  /** The service ends the session: channel_closed to the client, then tear everything down. */
  end(reason: SessionEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    log('%s: ending (%s)', this.session.sessionId, reason);
    try {
      this.agent.sendChannelClosed({
        output: END_OUTPUT[reason],
        destinationId: this.session.target,
        sessionId: this.session.sessionId,
      });
    } catch {
      // channel already closed
    }
    this.dispose();
  }

  dispose(): void {
    this.#ended = true;
    for (const timer of [this.#idleTimer, this.#maxTimer, this.#killTimer]) {
      if (timer !== undefined) clearTimeout(timer);
    }
    this.#idleTimer = this.#maxTimer = this.#killTimer = undefined;
    this.#mux?.close();
    for (const socket of this.#destinations) socket.destroy();
    this.#destinations.clear();
    this.agent.close();
    this.socket?.close(1000, 'session ended');
  }

  info(): AgentSessionInfo {
    return {
      sessionId: this.session.sessionId,
      mode: this.mode,
      connected: this.socket !== undefined,
      sockets: this.sockets,
      openStreams: this.openStreams,
      bytesToClient: this.bytesToClient,
      bytesFromClient: this.bytesFromClient,
      faults: { ...this.faultStats },
      retransmission: this.agent.channel.retransmission,
      retransmissions: this.agent.channel.stats.retransmissions,
    };
  }
}

/** The idle timeout in force, in ms (`idleTimeoutSeconds` overrides minutes, for tests). */
function idleTimeoutMs(state: EmulatorState): number {
  const { preferences } = state;
  return preferences.idleTimeoutSeconds !== undefined
    ? preferences.idleTimeoutSeconds * 1000
    : preferences.idleTimeoutMinutes * 60_000;
}

/** The data-channel service with an emulated agent behind every session (spec Appendix A). */
export interface AgentDataChannelService extends DataChannelService {
  /** What each live session is doing (admin API, tests). */
  sessions(): AgentSessionInfo[];
}

/**
 * Creates the emulator's data-channel service: every accepted client socket is attached to an
 * emulated agent that speaks the real agent's protocol (handshake, basic/mux/stdio port
 * forwarding to real TCP destinations, flags, pacing, idle timeout) through the fault layer.
 */
export function createAgentDataChannelService(
  state: EmulatorState,
  options: AgentServiceOptions = {},
): AgentDataChannelService {
  const random = options.random ?? Math.random;
  const sessions = new Map<string, AgentSession>();
  const onFaults = (): void => {
    for (const session of sessions.values()) session.scheduleKill();
  };
  const onPreferences = (): void => {
    for (const session of sessions.values()) session.rearmIdleTimer();
  };
  const onTargetStatus = (target: string, online: boolean): void => {
    // The agent behind the target disconnected: its sessions end (the client sees channel_closed).
    if (online) return;
    for (const session of sessions.values()) {
      if (session.session.target === target)
        state.endSession(session.session.sessionId, 'target-gone');
    }
  };
  state.on('faults-change', onFaults);
  state.on('preferences-change', onPreferences);
  state.on('target-status', onTargetStatus);

  return {
    connect(connection) {
      const { sessionId } = connection.session;
      let session = sessions.get(sessionId);
      if (session === undefined) {
        session = new AgentSession(connection.session, state, random, options.retransmission);
        sessions.set(sessionId, session);
      }
      session.connect(connection);
    },
    endSession(record, reason) {
      const session = sessions.get(record.sessionId);
      if (session === undefined) return;
      sessions.delete(record.sessionId);
      session.end(reason);
    },
    killSockets(sessionId) {
      return sessions.get(sessionId)?.killSocket() ?? 0;
    },
    sessions() {
      return [...sessions.values()].map((session) => session.info());
    },
    async close() {
      state.off('faults-change', onFaults);
      state.off('preferences-change', onPreferences);
      state.off('target-status', onTargetStatus);
      for (const session of sessions.values()) session.dispose();
      sessions.clear();
    },
  };
}

const INPUT_STREAM_DATA = Buffer.from('input_stream_data');

/** True when a raw frame's MessageType field (bytes 4..36) is `input_stream_data`. */
function isInputStreamData(data: RawData): boolean {
  const bytes = Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data);
  if (bytes.byteLength < 4 + 32) return false;
  return (
    bytes.subarray(4, 4 + INPUT_STREAM_DATA.byteLength).equals(INPUT_STREAM_DATA) &&
    (bytes[4 + INPUT_STREAM_DATA.byteLength] === 0x20 ||
      bytes[4 + INPUT_STREAM_DATA.byteLength] === 0)
  );
}
