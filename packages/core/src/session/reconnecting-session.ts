import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  ClientDataChannel,
  connectWebSocket,
  type ChannelClosedContent,
  type ClientHandshakeResult,
  type ConnectWebSocketOptions,
  type DataChannelSocket,
} from '@ssmkit/protocol';
import type { AwsContext } from '../aws/aws-context.js';
import { sleep, systemClock } from '../clock.js';
import { describeErrorForLog } from '../internal/call-aws.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import { backoffDelays, defaultReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.js';
import {
  resumeSession,
  startSession,
  terminateSession,
  type SessionCredentials,
  type StartSessionInput,
} from './session-api.js';
import { redactStreamUrl, sessionLog } from './session-log.js';
import { signStreamUrl } from './sign-stream-url.js';

/**
 * Opens the data-channel WebSocket. Injected in tests; the default is `connectWebSocket` from
 * `@ssmkit/protocol`. `options.headers` carry the SigV4 upgrade headers.
 */
export type WebSocketFactory = (
  url: string,
  options: ConnectWebSocketOptions,
) => Promise<DataChannelSocket>;

/** Why a session ended. */
export type SessionEndReason =
  /** The service sent `channel_closed` (idle timeout, max duration, TerminateSession elsewhere, agent done). */
  | 'channel-closed'
  /** The WebSocket dropped and could not be resumed (or the session no longer exists). */
  | 'reconnect-failed'
  /** The data channel failed (retransmission limit, handshake, protocol error). */
  | 'failed'
  /** We terminated it (`close()`). */
  | 'terminated';

/** Details of a session's end. */
export interface SessionEnd {
  reason: SessionEndReason;
  /** `channel_closed` Output, e.g. the idle-timeout text; empty when none. */
  output: string;
  /** Set for `reconnect-failed` and `failed`. */
  error?: TunnelError;
}

/** Events of {@link ReconnectingSession}. @internal */
export interface ReconnectingSessionEvents {
  reconnecting: [info: { attempt: number; code: number }];
  reconnected: [info: { attempts: number; downtimeMs: number }];
  end: [end: SessionEnd];
}

/** Options of {@link ReconnectingSession.open}. @internal */
export interface ReconnectingSessionOptions {
  context: AwsContext;
  start: StartSessionInput;
  clientVersion: string | undefined;
  reconnect: ReconnectPolicy | false;
  webSocketFactory: WebSocketFactory | undefined;
  /** Give up on the handshake after this long. */
  handshakeTimeoutMs: number;
  /** WebSocket ping interval and dead-socket timeout (ms). */
  webSocketKeepAlive: { intervalMs: number; timeoutMs: number };
  signal?: AbortSignal | undefined;
  random?: () => number;
}

/** One `ClientId` per process, reused on every open and reconnect (spec §2 step 2). */
const PROCESS_CLIENT_ID = randomUUID();

/** Wraps a socket to notice the first sign of life (a frame or a pong) after attaching. */
function observeSocket(socket: DataChannelSocket, onAlive: () => void): DataChannelSocket {
  return {
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    get isOpen() {
      return socket.isOpen;
    },
    ping: (payload) => socket.ping?.(payload),
    setHandlers(handlers) {
      socket.setHandlers({
        ...handlers,
        message: (data, isBinary) => {
          onAlive();
          handlers.message(data, isBinary);
        },
        pong: (payload) => {
          onAlive();
          handlers.pong?.(payload);
        },
      });
    },
  };
}

/**
 * One Session Manager session's data channel that survives WebSocket drops: StartSession, open,
 * handshake, and on every drop ResumeSession + a new WebSocket with the plugin's backoff
 * (spec §10.4); sequence state is kept by the {@link ClientDataChannel}, so nothing is lost.
 * Ends once, with `end`. Never logs a token or a StreamUrl query.
 * @internal
 */
export class ReconnectingSession extends EventEmitter<ReconnectingSessionEvents> {
  readonly sessionId: string;
  readonly channel: ClientDataChannel;
  readonly #options: ReconnectingSessionOptions;
  readonly #policy: Required<ReconnectPolicy>;
  readonly #stop = new AbortController();
  readonly #random: () => number;
  #streamUrl: string;
  #handshake: ClientHandshakeResult | undefined;
  /** Consecutive failed attempts since the last sign of life from a socket. */
  #failures = 0;
  #alive = false;
  #reconnecting = false;
  #reconnects = 0;
  #channelClosed: ChannelClosedContent | undefined;
  #endReason: SessionEnd | undefined;
  #ended: SessionEnd | undefined;
  #terminating: Promise<void> | undefined;

  private constructor(options: ReconnectingSessionOptions, sessionId: string, streamUrl: string) {
    super();
    this.#options = options;
    this.sessionId = sessionId;
    this.#streamUrl = streamUrl;
    this.#random = options.random ?? Math.random;
    this.#policy =
      options.reconnect === false
        ? { ...defaultReconnectPolicy, retries: 0 }
        : { ...defaultReconnectPolicy, ...options.reconnect };
    this.channel = new ClientDataChannel({
      clientId: PROCESS_CLIENT_ID,
      ...(options.clientVersion === undefined ? {} : { clientVersion: options.clientVersion }),
      keepAliveIntervalMs: options.webSocketKeepAlive.intervalMs,
      keepAliveTimeoutMs: options.webSocketKeepAlive.timeoutMs,
    });
    this.channel.on('socket-close', (code) => this.#onSocketClose(code));
    this.channel.on('channel-closed', (content) => {
      this.#channelClosed = content;
    });
    this.channel.on('error', () => undefined); // reported through 'close'
    this.channel.on('close', (error) => this.#onChannelClose(error));
  }

  /**
   * StartSession, connect (with retries) and wait for HandshakeComplete. On failure the session
   * is terminated before the promise rejects.
   *
   * @throws {@link AwsError} from StartSession; {@link TunnelError} `ERR_TUNNEL_SESSION_OPEN`
   *   (WebSocket, handshake), `ERR_TUNNEL_CLOSED` (aborted).
   */
  static async open(options: ReconnectingSessionOptions): Promise<ReconnectingSession> {
    const { signal } = options;
    if (signal?.aborted === true) throw abortedError(undefined, signal.reason);
    const credentials = await startSessionUnlessAborted(options.context, options.start, signal);
    const session = new ReconnectingSession(options, credentials.sessionId, credentials.streamUrl);
    const onAbort = (): void => void session.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    // Listen for HandshakeComplete before the socket exists, so it cannot be missed.
    const handshake = session.#waitForHandshake();
    handshake.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    try {
      await session.#connect(credentials.tokenValue);
      await handshake;
      return session;
    } catch (error) {
      await session.terminate();
      if (isAborted(signal)) throw abortedError(session.sessionId, signal?.reason);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The handshake result (session type, properties, agent version, port mode). */
  get handshake(): ClientHandshakeResult {
    return this.#handshake!;
  }

  /** How many times the WebSocket was reconnected. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Set once the session has ended. */
  get ended(): SessionEnd | undefined {
    return this.#ended;
  }

  /**
   * Ends the session from our side: Flag TerminateSession (when the agent understands it), the
   * TerminateSession API, and the channel closed. Idempotent; never rejects.
   */
  terminate(): Promise<void> {
    this.#terminating ??= (async () => {
      this.#stop.abort();
      if (this.#ended === undefined) {
        this.#endReason ??= { reason: 'terminated', output: '' };
        const gates = this.#handshake?.gates;
        const mux = this.#handshake?.portMode === 'mux';
        if (gates === undefined || mux || gates.terminateSessionFlag) this.channel.terminate();
        else this.channel.close();
      }
      await terminateSession(this.#options.context, this.sessionId);
    })();
    return this.#terminating;
  }

  #waitForHandshake(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = systemClock.setTimeout(() => {
        cleanup();
        reject(
          new TunnelError(
            'ERR_TUNNEL_SESSION_OPEN',
            `Session ${this.sessionId}: the agent did not complete the handshake within ${this.#options.handshakeTimeoutMs} ms. Check that the target's SSM agent is healthy (its logs), then retry.`,
            { sessionId: this.sessionId },
          ),
        );
      }, this.#options.handshakeTimeoutMs);
      const onComplete = (result: ClientHandshakeResult): void => {
        cleanup();
        this.#handshake = result;
        sessionLog(
          'session %s: handshake complete (agent %s, type %s, mode %s)',
          this.sessionId,
          result.agentVersion,
          result.sessionType,
          result.portMode,
        );
        resolve();
      };
      const onEnd = (end: SessionEnd): void => {
        cleanup();
        // Reconnecting is what a drop after the open triggers; before the handshake completed,
        // its failure (e.g. a refused token: 1008 each time) means the session did not open.
        const error =
          end.error !== undefined && end.error.code === 'ERR_TUNNEL_RECONNECT_FAILED'
            ? new TunnelError(
                'ERR_TUNNEL_SESSION_OPEN',
                `Session ${this.sessionId}: the data channel closed before the handshake completed and could not be reopened (${end.error.message})`,
                { sessionId: this.sessionId, cause: end.error },
              )
            : end.error;
        reject(
          error ??
            new TunnelError(
              'ERR_TUNNEL_SESSION_OPEN',
              `Session ${this.sessionId} ended before its handshake completed${end.output === '' ? '' : `: ${end.output}`}. Check the document parameters (host, port) and the target's SSM agent.`,
              { sessionId: this.sessionId },
            ),
        );
      };
      const cleanup = (): void => {
        systemClock.clearTimeout(timer);
        this.channel.off('handshake-complete', onComplete);
        this.off('end', onEnd);
      };
      this.channel.once('handshake-complete', onComplete);
      this.once('end', onEnd);
    });
  }

  /**
   * Connects a WebSocket and attaches it: the first try with `firstToken` (from StartSession),
   * then ResumeSession + backoff until the policy's retries are used up.
   */
  async #connect(firstToken: string | undefined): Promise<number> {
    let attempts = 0;
    const delays = backoffDelays(this.#policy, this.#random);
    let token = firstToken;
    let lastError: unknown;
    const signal = this.#stop.signal;
    for (;;) {
      if (this.#failures > 0) {
        if (this.#failures > this.#policy.retries) break;
        const delayMs = delays[this.#failures - 1] ?? this.#policy.maxDelayMs;
        sessionLog('session %s: retry %d in %d ms', this.sessionId, this.#failures, delayMs);
        await sleep(systemClock, delayMs, signal);
      }
      if (signal.aborted) throw abortedError(this.sessionId);
      attempts++;
      try {
        if (token === undefined) {
          const resumed = await resumeSession(this.#options.context, this.sessionId, { signal });
          if (resumed === undefined || resumed.tokenValue === '') {
            const state = resumed === undefined ? 'no longer exists' : 'timed out';
            throw new TunnelError(
              'ERR_TUNNEL_SESSION_ENDED',
              `Session ${this.sessionId} ${state} on the service side; open a new session.`,
              { sessionId: this.sessionId },
            );
          }
          if (resumed.streamUrl !== '') this.#streamUrl = resumed.streamUrl;
          token = resumed.tokenValue;
        }
        const url = this.#streamUrl;
        const headers = await signStreamUrl(this.#options.context, url);
        const factory = this.#options.webSocketFactory ?? connectWebSocket;
        const socket = await factory(url, { headers, signal });
        if (signal.aborted) {
          socket.close(1000, 'closed');
          throw abortedError(this.sessionId);
        }
        sessionLog('session %s: WebSocket open to %s', this.sessionId, redactStreamUrl(url));
        this.#alive = false;
        this.channel.attach(
          observeSocket(socket, () => {
            this.#alive = true;
            this.#failures = 0;
          }),
          { tokenValue: token },
        );
        return attempts;
      } catch (error) {
        if (signal.aborted) throw abortedError(this.sessionId, error);
        if (TunnelError.isInstance(error) && error.code === 'ERR_TUNNEL_SESSION_ENDED') throw error;
        lastError = error;
        token = undefined;
        this.#failures++;
        sessionLog(
          'session %s: connect attempt failed: %s',
          this.sessionId,
          describeErrorForLog(error),
        );
      }
    }
    throw new TunnelError(
      firstToken === undefined ? 'ERR_TUNNEL_RECONNECT_FAILED' : 'ERR_TUNNEL_SESSION_OPEN',
      `Session ${this.sessionId}: could not ${firstToken === undefined ? 'reconnect' : 'connect'} the data channel after ${this.#policy.retries + 1} attempts (last error: ${describeErrorForLog(lastError)}). Check the network route to the ssmmessages endpoint, then retry.`,
      { sessionId: this.sessionId, cause: lastError },
    );
  }

  #onSocketClose(code: number): void {
    if (this.#ended !== undefined || this.#stop.signal.aborted || this.#reconnecting) return;
    sessionLog('session %s: WebSocket closed (code %d); reconnecting', this.sessionId, code);
    // A socket that closed before any sign of life (a frame or a pong) counts as a failed
    // attempt; after a healthy socket the first ResumeSession goes out at once.
    if (!this.#alive) this.#failures++;
    this.#reconnecting = true;
    const startedAt = Date.now();
    this.emit('reconnecting', { attempt: this.#failures + 1, code });
    this.#connect(undefined).then(
      (attempts) => {
        this.#reconnecting = false;
        this.#reconnects++;
        const downtimeMs = Date.now() - startedAt;
        sessionLog('session %s: reconnected after %d ms', this.sessionId, downtimeMs);
        this.emit('reconnected', { attempts, downtimeMs });
      },
      (error: unknown) => {
        this.#reconnecting = false;
        if (this.#stop.signal.aborted) return;
        const tunnelError = TunnelError.isInstance(error)
          ? error
          : new TunnelError(
              'ERR_TUNNEL_RECONNECT_FAILED',
              `Session ${this.sessionId}: reconnecting failed (${describeErrorForLog(error)}).`,
              { sessionId: this.sessionId, cause: error },
            );
        this.#endReason = {
          reason: 'reconnect-failed',
          output: '',
          error: tunnelError,
        };
        this.channel.close();
        // Best effort: the session may still exist on the service side.
        void terminateSession(this.#options.context, this.sessionId);
      },
    );
  }

  #onChannelClose(error: Error | undefined): void {
    if (this.#ended !== undefined) return;
    this.#stop.abort();
    let end: SessionEnd;
    if (this.#channelClosed !== undefined) {
      end = { reason: 'channel-closed', output: this.#channelClosed.output };
    } else if (this.#endReason !== undefined) {
      end = this.#endReason;
    } else if (error !== undefined) {
      end = {
        reason: 'failed',
        output: '',
        error: new TunnelError(
          'ERR_TUNNEL_SESSION_ENDED',
          `Session ${this.sessionId}: the data channel failed (${describeErrorForLog(error)}).`,
          { sessionId: this.sessionId, cause: error },
        ),
      };
    } else {
      end = { reason: 'terminated', output: '' };
    }
    this.#ended = end;
    sessionLog('session %s ended: %s', this.sessionId, end.reason);
    this.emit('end', end);
  }
}

/** How long an aborted open waits for StartSession's answer to terminate the session it made. */
const ABORTED_START_GRACE_MS = 5_000;

/**
 * StartSession without handing the signal to the SDK: an aborted request may still have created
 * a session on the service, which would then sit in `Connecting` with nobody to end it. On abort
 * the answer is awaited (up to {@link ABORTED_START_GRACE_MS}) and that session terminated.
 */
async function startSessionUnlessAborted(
  context: AwsContext,
  input: StartSessionInput,
  signal: AbortSignal | undefined,
): Promise<SessionCredentials> {
  const starting = startSession(context, input);
  if (signal === undefined) return starting;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const first = await Promise.race([starting, aborted]);
  if (first !== 'aborted') return first;
  const cleanup = starting.then(
    async (late) => {
      sessionLog('open aborted: terminating session %s started meanwhile', late.sessionId);
      await terminateSession(context, late.sessionId);
    },
    () => undefined, // StartSession failed: nothing to end
  );
  const grace = new AbortController();
  const timeout = sleep(systemClock, ABORTED_START_GRACE_MS, grace.signal).catch(() => undefined);
  await Promise.race([cleanup, timeout]);
  grace.abort(); // no timer may outlive the open
  throw abortedError(undefined, signal.reason);
}

function abortedError(sessionId: string | undefined, cause?: unknown): TunnelError {
  return new TunnelError(
    'ERR_TUNNEL_CLOSED',
    sessionId === undefined
      ? 'Opening the session was aborted.'
      : `Session ${sessionId} was closed or aborted.`,
    { ...(sessionId === undefined ? {} : { sessionId }), cause },
  );
}

/** Reads `signal.aborted` afresh (it changes while we await). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
