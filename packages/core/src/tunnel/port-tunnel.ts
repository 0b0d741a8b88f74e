import { EventEmitter } from 'node:events';
import type net from 'node:net';
import {
  MuxCommand,
  MuxVersion,
  PayloadType,
  PayloadTypeFlag,
  attachMuxClient,
  encodeMuxFrame,
  type MuxStream,
  type PortMuxSession,
} from '@ssmkit/protocol';
import * as z from 'zod/v4';
import type { AwsContext } from '../aws/aws-context.js';
import { describeErrorForLog } from '../internal/call-aws.js';
import { SessionDocument } from '../session/session-api.js';
import { ReconnectingSession, type SessionEnd } from '../session/reconnecting-session.js';
import { setSignalCleanup } from '../targets/ephemeral-bastion.js';
import type { ResolvedTarget } from '../targets/resolve-target.js';
import { listen, type ListenTarget } from './listen.js';
import { TunnelError } from './tunnel-error.js';
import type { TunnelEvent, TunnelEventMap, TunnelMode, TunnelStats } from './tunnel-events.js';
import { tunnelLog } from './tunnel-log.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  WEBSOCKET_KEEPALIVE,
  prepareContext,
  prepareTarget,
  safeEmitter,
  sessionOptionsShape,
  stopEphemeral,
  validateOptions,
  type SessionOptionsBase,
} from './tunnel-setup.js';

/** Options of {@link openPortTunnel}. */
export interface PortTunnelOptions extends SessionOptionsBase {
  /**
   * Destination host as seen from the target (an RDS endpoint, any VPC address). Given ⇒
   * `AWS-StartPortForwardingSessionToRemoteHost`; omitted ⇒ `AWS-StartPortForwardingSession`
   * (a port on the target itself).
   */
  host?: string;
  /** Destination port (1–65 535). */
  port: number;
  /** Local TCP port; `0` picks a free one (read it from `tunnel.localPort`). @default 0 */
  localPort?: number;
  /**
   * Local address to listen on. Anything other than loopback exposes the tunnel to your network.
   * @default '127.0.0.1'
   */
  bindAddress?: string;
  /** Listen on this unix socket path instead of TCP (`localPort`/`bindAddress` are ignored). */
  unixSocket?: string;
  /**
   * Keep idle sessions alive past the service's idle timeout (default 20 minutes) by sending an
   * smux NOP through the data channel whenever nothing was sent for `intervalMs`. `true` uses
   * 4 minutes. Multiplexed mode only (basic mode has no frame the agent would ignore).
   * @default false
   */
  keepAlive?: boolean | { intervalMs: number };
}

/**
 * An open port tunnel: a local listener whose connections are forwarded through Session Manager.
 * `await using` closes it.
 */
export interface PortTunnel {
  /** The local address listened on (`127.0.0.1`, or the unix socket path). */
  readonly localAddress: string;
  /** The local TCP port (the OS-chosen one for `localPort: 0`); `0` for a unix socket. */
  readonly localPort: number;
  /** The unix socket path, when listening on one. */
  readonly unixSocket: string | undefined;
  /** The current session, or undefined between sessions (a new one opens with the next connection). */
  readonly sessionId: string | undefined;
  /** The resolved target. */
  readonly target: ResolvedTarget;
  /** `mux` (one smux stream per connection) or `basic` (agents ≤ 3.0.196.0: one at a time). */
  readonly mode: TunnelMode;
  /** Subscribe to one event type, or `'event'` for all. */
  on<K extends keyof TunnelEventMap>(type: K, listener: (...args: TunnelEventMap[K]) => void): this;
  /** Unsubscribe. */
  off<K extends keyof TunnelEventMap>(
    type: K,
    listener: (...args: TunnelEventMap[K]) => void,
  ): this;
  /** A snapshot of the counters. */
  stats(): TunnelStats;
  /**
   * Closes the listener and open connections, terminates the session (Flag TerminateSession and
   * the TerminateSession API), stops an ephemeral bastion and destroys a context the tunnel
   * created. Idempotent; leaves no handles behind.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Default keep-alive interval: well inside the 20-minute default idle timeout. */
const DEFAULT_KEEPALIVE_INTERVAL_MS = 240_000;

const NOP_FRAME = encodeMuxFrame({
  version: MuxVersion.V1,
  command: MuxCommand.Nop,
  streamId: 0,
  data: new Uint8Array(0),
});

const portTunnelOptionsSchema = z
  .object({
    ...sessionOptionsShape,
    host: z.string().min(1).max(253).optional(),
    port: z.int().min(1).max(65_535),
    localPort: z.int().min(0).max(65_535).optional(),
    bindAddress: z.string().min(1).optional(),
    unixSocket: z.string().min(1).max(4096).optional(),
    keepAlive: z
      .union([z.boolean(), z.object({ intervalMs: z.int().min(10).max(3_600_000) }).strict()])
      .optional(),
  })
  .strict();

/** One accepted local connection. */
interface LocalConnection {
  readonly id: number;
  readonly socket: net.Socket;
  readonly openedAt: number;
  bytesSent: number;
  bytesReceived: number;
  /** The session serving it, once it is served. */
  session: ActiveSession | undefined;
  stream: MuxStream | undefined;
  closed: boolean;
}

/** A session with its forwarding machinery. */
interface ActiveSession {
  readonly session: ReconnectingSession;
  readonly mode: TunnelMode;
  readonly mux: PortMuxSession | undefined;
  /** Basic mode: the connection being served. */
  current: LocalConnection | undefined;
  keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  lastActivity: number;
  ended: boolean;
}

class PortTunnelImpl extends EventEmitter<TunnelEventMap> implements PortTunnel {
  localAddress = '';
  localPort = 0;
  readonly unixSocket: string | undefined;
  target!: ResolvedTarget;
  mode: TunnelMode = 'mux';
  readonly #options: PortTunnelOptions;
  readonly #emit: (event: TunnelEvent) => void;
  #context: AwsContext | undefined;
  #ownsContext = false;
  #server: net.Server | undefined;
  #active: ActiveSession | undefined;
  #starting: Promise<ActiveSession> | undefined;
  readonly #connections = new Set<LocalConnection>();
  /** Basic mode: connections waiting for their turn, oldest first. */
  readonly #queue: LocalConnection[] = [];
  #nextConnectionId = 1;
  #closing: Promise<void> | undefined;
  #shuttingDown = false;
  #ready = false;
  #removeAbortListener: (() => void) | undefined;
  #fatalError: Error | undefined;
  readonly #stats = {
    bytesSent: 0,
    bytesReceived: 0,
    connectionsTotal: 0,
    reconnects: 0,
    sessionsStarted: 0,
  };

  constructor(options: PortTunnelOptions) {
    super();
    this.#options = options;
    this.unixSocket = options.unixSocket;
    this.#emit = safeEmitter(options.onEvent, (event) => {
      (this as EventEmitter).emit(event.type, event);
      (this as EventEmitter).emit('event', event);
    });
  }

  get sessionId(): string | undefined {
    return this.#active?.session.sessionId;
  }

  stats(): TunnelStats {
    let open = 0;
    for (const connection of this.#connections) if (!connection.closed) open++;
    return {
      ...this.#stats,
      reconnects: this.#stats.reconnects,
      connectionsOpen: open,
      connectionsQueued: this.#queue.length,
      sessionId: this.sessionId,
    };
  }

  async open(): Promise<void> {
    const options = this.#options;
    const { signal } = options;
    try {
      const prepared = await prepareContext(options.context);
      this.#context = prepared.context;
      this.#ownsContext = prepared.owned;
      // Bind first: a port in use fails before any AWS call (or an ephemeral task) is made.
      const listenTarget: ListenTarget =
        options.unixSocket === undefined
          ? { host: options.bindAddress ?? '127.0.0.1', port: options.localPort ?? 0 }
          : { path: options.unixSocket };
      this.#server = await listen(listenTarget, (socket) => {
        try {
          this.#onConnection(socket);
        } catch (error) {
          socket.destroy();
          this.#fail(error);
        }
      });
      // The listener failing after it was bound (accept errors) ends the tunnel.
      this.#server.on('error', (error) => this.#fail(error));
      const address = this.#server.address();
      if (typeof address === 'string' || address === null) {
        this.localAddress = options.unixSocket ?? String(address);
        this.localPort = 0;
      } else {
        this.localAddress = address.address;
        this.localPort = address.port;
      }
      if (options.unixSocket === undefined && !isLoopback(this.localAddress)) {
        tunnelLog(
          'warning: listening on %s, which is not loopback; other machines can use this tunnel',
          this.localAddress,
        );
      }
      this.#throwIfAborted();
      this.target = await prepareTarget(
        this.#context,
        options.target,
        this.#emit,
        signal,
        options.stopOnSignals,
      );
      // On SIGINT/SIGTERM the whole tunnel closes (session terminated) before the task stops.
      if (this.target.ephemeral !== undefined) {
        setSignalCleanup(this.target.ephemeral, () => this.close());
      }
      this.#throwIfAborted();
      await this.#ensureSession();
      this.#throwIfAborted();
    } catch (error) {
      this.#closing ??= this.#shutdown(false);
      await this.#closing;
      if (signal?.aborted === true && !TunnelError.isInstance(error)) {
        throw new TunnelError('ERR_TUNNEL_CLOSED', 'Opening the tunnel was aborted.', {
          cause: signal.reason,
        });
      }
      throw error;
    }
    if (signal !== undefined) {
      const onAbort = (): void => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#removeAbortListener = () => signal.removeEventListener('abort', onAbort);
    }
    this.#ready = true;
    tunnelLog(
      'listening on %s:%d for %s → %s:%d (%s mode)',
      this.localAddress,
      this.localPort,
      this.target.target,
      options.host ?? 'localhost',
      options.port,
      this.mode,
    );
    this.#emit({
      type: 'listening',
      address: this.localAddress,
      port: this.localPort,
      ...(options.unixSocket === undefined ? {} : { path: options.unixSocket }),
    });
    // Connections accepted while the first session was opening.
    this.#pump();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown(true);
    return this.#closing;
  }

  /**
   * A fatal error in the tunnel's own machinery: close the tunnel (terminating the session and
   * stopping an ephemeral bastion) rather than leave it half working; `closed` carries the error.
   */
  #fail(error: unknown): void {
    if (this.#closing !== undefined) return;
    tunnelLog.error('fatal tunnel error, closing: %s', describeErrorForLog(error));
    this.#fatalError = error instanceof Error ? error : new Error(String(error));
    void this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- sessions ------------------------------------------------------------------------------

  #throwIfAborted(): void {
    if (this.#options.signal?.aborted === true || this.#shuttingDown) {
      throw new TunnelError('ERR_TUNNEL_CLOSED', 'Opening the tunnel was aborted.', {
        cause: this.#options.signal?.reason,
      });
    }
  }

  /** The current session, or a new one (one StartSession however many callers wait). */
  #ensureSession(): Promise<ActiveSession> {
    if (this.#active !== undefined && !this.#active.ended) return Promise.resolve(this.#active);
    this.#starting ??= this.#startSession().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #startSession(): Promise<ActiveSession> {
    const options = this.#options;
    const context = this.#context!;
    const parameters: Record<string, string[]> = { portNumber: [String(options.port)] };
    if (options.host !== undefined) parameters.host = [options.host];
    const session = await ReconnectingSession.open({
      context,
      start: {
        target: this.target.target,
        documentName:
          options.host === undefined
            ? SessionDocument.PORT_FORWARDING
            : SessionDocument.PORT_FORWARDING_TO_REMOTE_HOST,
        parameters,
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      },
      clientVersion: options.clientVersion,
      reconnect: options.reconnect ?? {},
      webSocketFactory: options.webSocketFactory,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      webSocketKeepAlive: WEBSOCKET_KEEPALIVE,
      signal: options.signal,
    });
    if (this.#shuttingDown) {
      await session.terminate();
      throw new TunnelError('ERR_TUNNEL_CLOSED', 'The tunnel was closed.', {
        sessionId: session.sessionId,
      });
    }
    const { handshake } = session;
    const portMode = handshake.portMode;
    if (portMode !== 'mux' && portMode !== 'basic') {
      await session.terminate();
      throw new TunnelError(
        'ERR_TUNNEL_UNSUPPORTED_SESSION',
        `Session ${session.sessionId}: the agent started a ${handshake.sessionType ?? 'unknown'} session in ${portMode ?? 'no'} mode, not port forwarding. Use openStdioSession() for AWS-StartSSHSession-like documents.`,
        { sessionId: session.sessionId },
      );
    }
    const active: ActiveSession = {
      session,
      mode: portMode,
      mux:
        portMode === 'mux'
          ? attachMuxClient(session.channel, {
              keepAlive: handshake.gates.smuxKeepAliveDisabled ? false : {},
            })
          : undefined,
      current: undefined,
      keepAliveTimer: undefined,
      lastActivity: Date.now(),
      ended: false,
    };
    if (portMode === 'basic') this.#setUpBasic(active);
    this.mode = portMode;
    this.#active = active;
    this.#stats.sessionsStarted++;
    session.on('reconnecting', ({ attempt }) =>
      this.#emit({ type: 'reconnecting', sessionId: session.sessionId, attempt }),
    );
    session.on('reconnected', ({ attempts, downtimeMs }) => {
      this.#stats.reconnects++;
      this.#emit({ type: 'reconnected', sessionId: session.sessionId, attempts, downtimeMs });
    });
    session.on('end', (end) => {
      try {
        this.#onSessionEnd(active, end);
      } catch (error) {
        this.#fail(error);
      }
    });
    this.#scheduleKeepAlive(active);
    this.#emit({
      type: 'session-started',
      sessionId: session.sessionId,
      target: this.target.target,
      agentVersion: handshake.agentVersion,
      mode: portMode,
    });
    return active;
  }

  #onSessionEnd(active: ActiveSession, end: SessionEnd): void {
    active.ended = true;
    if (active.keepAliveTimer !== undefined) clearTimeout(active.keepAliveTimer);
    active.keepAliveTimer = undefined;
    if (this.#active === active) this.#active = undefined;
    const clean = end.reason === 'channel-closed' || end.reason === 'terminated';
    tunnelLog(
      'session %s ended (%s); %s its connections',
      active.session.sessionId,
      end.reason,
      clean ? 'closing' : 'resetting',
    );
    for (const connection of this.#connections) {
      if (connection.session !== active || connection.closed) continue;
      if (clean) {
        // A clean FIN after what was already written; the smux stream dies with the session.
        // Keep reading (and dropping) so the client's FIN is seen and the socket can close.
        connection.stream?.removeAllListeners('data');
        connection.socket.removeAllListeners('data');
        connection.socket.resume();
        connection.socket.end();
      } else {
        this.#finishConnection(connection, end.error);
      }
    }
    this.#emit({
      type: 'session-ended',
      sessionId: active.session.sessionId,
      reason: end.reason,
      output: end.output,
      ...(end.error === undefined ? {} : { error: end.error }),
    });
    // Basic mode: connections still waiting get a fresh session.
    if (!this.#shuttingDown && this.#queue.length > 0) this.#pump();
  }

  #scheduleKeepAlive(active: ActiveSession): void {
    const setting = this.#options.keepAlive ?? false;
    if (setting === false || active.mode !== 'mux') {
      if (setting !== false) tunnelLog('keepAlive is ignored in basic mode');
      return;
    }
    const intervalMs = setting === true ? DEFAULT_KEEPALIVE_INTERVAL_MS : setting.intervalMs;
    const arm = (delayMs: number): void => {
      active.keepAliveTimer = setTimeout(() => {
        active.keepAliveTimer = undefined;
        if (active.ended || active.mux === undefined || active.mux.destroyed) return;
        const idleMs = Date.now() - active.lastActivity;
        if (idleMs < intervalMs) {
          arm(intervalMs - idleMs);
          return;
        }
        // Between whole smux frames: the mux session hands the channel whole frames, each in
        // one synchronous call, so nothing of another frame can be split around this one.
        if (active.session.channel.isConnected) {
          tunnelLog.trace('session %s: smux NOP keep-alive', active.session.sessionId);
          active.session.channel.sendData(NOP_FRAME);
        }
        active.lastActivity = Date.now();
        arm(intervalMs);
      }, delayMs);
      active.keepAliveTimer.unref();
    };
    arm(intervalMs);
  }

  // --- connections ---------------------------------------------------------------------------

  #onConnection(socket: net.Socket): void {
    if (this.#shuttingDown) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const connection: LocalConnection = {
      id: this.#nextConnectionId++,
      socket,
      openedAt: Date.now(),
      bytesSent: 0,
      bytesReceived: 0,
      session: undefined,
      stream: undefined,
      closed: false,
    };
    this.#connections.add(connection);
    this.#stats.connectionsTotal++;
    socket.on('error', (error) => this.#finishConnection(connection, error));
    socket.on('close', () => this.#finishConnection(connection, undefined));
    const queued =
      this.mode === 'basic' && (this.#active?.current !== undefined || this.#queue.length > 0);
    this.#emit({
      type: 'connection-open',
      connectionId: connection.id,
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      queued,
    });
    tunnelLog('connection %d accepted', connection.id);
    this.#queue.push(connection);
    if (this.#ready) this.#pump();
  }

  /** Serve waiting connections: all of them (mux), or the next one when none is served (basic). */
  #pump(): void {
    if (this.#shuttingDown || this.#queue.length === 0) return;
    const active = this.#active;
    if (active === undefined || active.ended) {
      this.#ensureSession()
        .then(
          () => this.#pump(),
          (error: unknown) => this.#failQueued(error),
        )
        .catch((error: unknown) => this.#fail(error));
      return;
    }
    if (active.mode === 'mux') {
      for (const connection of this.#queue.splice(0)) {
        if (!connection.closed) this.#serveMux(active, connection);
      }
      return;
    }
    while (active.current === undefined && this.#queue.length > 0) {
      const connection = this.#queue.shift()!;
      if (!connection.closed) this.#serveBasic(active, connection);
    }
  }

  #failQueued(error: unknown): void {
    tunnelLog.error('could not open a session: %s', describeErrorForLog(error));
    for (const connection of this.#queue.splice(0)) {
      this.#finishConnection(connection, error instanceof Error ? error : new Error(String(error)));
    }
  }

  #serveMux(active: ActiveSession, connection: LocalConnection): void {
    const { socket } = connection;
    let stream: MuxStream;
    try {
      stream = active.mux!.openStream();
    } catch (error) {
      this.#finishConnection(connection, error as Error);
      return;
    }
    connection.session = active;
    connection.stream = stream;
    socket.on('data', (chunk: Buffer) => {
      connection.bytesSent += chunk.byteLength;
      this.#stats.bytesSent += chunk.byteLength;
      active.lastActivity = Date.now();
      if (!stream.write(chunk)) socket.pause();
    });
    stream.on('drain', () => socket.resume());
    stream.on('data', (chunk: Buffer) => {
      connection.bytesReceived += chunk.byteLength;
      this.#stats.bytesReceived += chunk.byteLength;
      active.lastActivity = Date.now();
      corkUntilNextTick(socket);
      if (!socket.write(chunk)) stream.pause();
    });
    socket.on('drain', () => stream.resume());
    // The local client finished sending: FIN on the stream; replies may still come back.
    socket.on('end', () => stream.end());
    // The destination finished: end the local connection (smux v1 has no half-close).
    stream.on('end', () => {
      socket.end();
      if (!stream.writableEnded) stream.end();
    });
    stream.on('error', (error) => {
      if (active.ended) return;
      this.#finishConnection(connection, error);
    });
    socket.resume();
  }

  #setUpBasic(active: ActiveSession): void {
    const channel = active.session.channel;
    channel.setDataConsumer((payload, payloadType) => {
      if (payloadType !== PayloadType.Output) return true;
      const connection = active.current;
      // No connection yet (or it cannot take more): leave it unacknowledged; the agent resends.
      if (connection === undefined || connection.closed || connection.socket.writableNeedDrain) {
        return false;
      }
      connection.bytesReceived += payload.byteLength;
      this.#stats.bytesReceived += payload.byteLength;
      connection.socket.write(payload);
      return true;
    });
  }

  #serveBasic(active: ActiveSession, connection: LocalConnection): void {
    const { socket } = connection;
    const channel = active.session.channel;
    connection.session = active;
    active.current = connection;
    tunnelLog('basic: serving connection %d', connection.id);
    const onDrain = (): void => {
      if (!connection.closed) socket.resume();
    };
    socket.on('data', (chunk: Buffer) => {
      if (active.ended) return;
      connection.bytesSent += chunk.byteLength;
      this.#stats.bytesSent += chunk.byteLength;
      if (!channel.sendData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        socket.pause();
        channel.once('drain', onDrain);
      }
    });
    socket.on('drain', () => channel.retryDelivery());
    socket.on('end', () => socket.end());
    socket.once('close', () => {
      channel.off('drain', onDrain);
      if (active.current !== connection) return;
      active.current = undefined;
      if (!active.ended && !channel.isClosed) {
        // The agent closes its destination connection and re-dials on the next data (§7.3).
        channel.sendFlag(PayloadTypeFlag.DisconnectToPort);
      }
      this.#pump();
    });
    socket.resume();
    channel.retryDelivery();
  }

  #finishConnection(connection: LocalConnection, error: Error | undefined): void {
    if (connection.closed) return;
    connection.closed = true;
    const queueIndex = this.#queue.indexOf(connection);
    if (queueIndex >= 0) this.#queue.splice(queueIndex, 1);
    const { socket, stream } = connection;
    if (error !== undefined && !socket.destroyed) {
      // Tell the client something went wrong rather than pretending a clean end.
      socket.resetAndDestroy();
    } else if (!socket.destroyed) {
      socket.destroy();
    }
    if (stream !== undefined && !stream.destroyed) stream.destroy();
    this.#connections.delete(connection);
    tunnelLog(
      'connection %d closed: sent %d, received %d bytes%s',
      connection.id,
      connection.bytesSent,
      connection.bytesReceived,
      error === undefined ? '' : ` (${describeErrorForLog(error)})`,
    );
    this.#emit({
      type: 'connection-close',
      connectionId: connection.id,
      bytesSent: connection.bytesSent,
      bytesReceived: connection.bytesReceived,
      durationMs: Date.now() - connection.openedAt,
      ...(error === undefined ? {} : { error }),
    });
  }

  // --- closing -------------------------------------------------------------------------------

  async #shutdown(emitClosed: boolean): Promise<void> {
    this.#shuttingDown = true;
    this.#removeAbortListener?.();
    const server = this.#server;
    const serverClosed =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of [...this.#connections]) {
      connection.socket.destroy();
      this.#finishConnection(connection, undefined);
    }
    this.#queue.length = 0;
    const starting = this.#starting;
    if (starting !== undefined) await starting.catch(() => undefined);
    const active = this.#active;
    if (active !== undefined) {
      if (active.keepAliveTimer !== undefined) clearTimeout(active.keepAliveTimer);
      await active.session.terminate();
    }
    await serverClosed;
    await stopEphemeral(this.target);
    if (this.#ownsContext) this.#context?.destroy();
    tunnelLog('tunnel closed');
    if (emitClosed) {
      this.#emit({
        type: 'closed',
        ...(this.#fatalError === undefined ? {} : { error: this.#fatalError }),
      });
    }
  }
}

function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address.startsWith('127.');
}

/**
 * Opens a port-forwarding tunnel: resolves the target, starts a Session Manager session
 * (`AWS-StartPortForwardingSessionToRemoteHost` when `host` is given, else
 * `AWS-StartPortForwardingSession`), and listens on `bindAddress:localPort` (or a unix socket).
 * Each accepted connection becomes an smux stream (basic mode — one connection at a time,
 * others queued — for agents ≤ 3.0.196.0).
 *
 * The tunnel survives WebSocket drops (ResumeSession with backoff; open connections do not
 * notice) and session ends (idle timeout, TerminateSession elsewhere): the listener stays up and
 * the next connection opens a fresh session.
 *
 * IAM: `ssm:StartSession` on the target and on the document, `ssm:ResumeSession` and
 * `ssm:TerminateSession` on `arn:aws:ssm:<region>:<account>:session/${aws:userid}-*`.
 *
 * @throws {@link TunnelError} `ERR_TUNNEL_PORT_IN_USE`, `ERR_TUNNEL_BIND`, `ERR_TUNNEL_SESSION_OPEN`,
 *   `ERR_TUNNEL_CLOSED` (aborted); {@link AwsError} / {@link TargetError} from the AWS calls;
 *   {@link ConfigError} `ERR_CONFIG_INVALID_OPTION`.
 * @example
 * ```ts
 * await using tunnel = await openPortTunnel({
 *   context: { region: 'eu-west-1', profile: 'prod' },
 *   target: { tag: { Name: 'bastion' } },
 *   host: 'mydb.cluster-abc.eu-west-1.rds.amazonaws.com',
 *   port: 5432,
 *   reason: 'migration #42',
 * });
 * console.log(`psql -h 127.0.0.1 -p ${tunnel.localPort}`);
 * ```
 */
export async function openPortTunnel(options: PortTunnelOptions): Promise<PortTunnel> {
  validateOptions(portTunnelOptionsSchema, options, 'openPortTunnel');
  const tunnel = new PortTunnelImpl(options);
  await tunnel.open();
  return tunnel;
}

/**
 * Data arrives as ≤1024-byte message payloads, many per tick: corking the local socket until the
 * next tick sends them in one write instead of one syscall each.
 */
function corkUntilNextTick(socket: net.Socket): void {
  if (socket.writableCorked > 0) return;
  socket.cork();
  process.nextTick(() => socket.uncork());
}
