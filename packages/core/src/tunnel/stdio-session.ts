import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { PayloadType } from '@ssmkit/protocol';
import * as z from 'zod/v4';
import type { AwsContext } from '../aws/aws-context.js';
import { SessionDocument } from '../session/session-api.js';
import { ReconnectingSession, type SessionEnd } from '../session/reconnecting-session.js';
import { setSignalCleanup } from '../targets/ephemeral-bastion.js';
import type { ResolvedTarget } from '../targets/resolve-target.js';
import { TunnelError } from './tunnel-error.js';
import type { TunnelEvent, TunnelEventMap, TunnelStats } from './tunnel-events.js';
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

/** Options of {@link openStdioSession}. */
export interface StdioSessionOptions extends SessionOptionsBase {
  /** Port on the target (sshd). @default 22 */
  port?: number;
  /** Session document with a stdio (no `type`) port session. @default 'AWS-StartSSHSession' */
  documentName?: string;
  /** Bytes to send (ssh's side of the ProxyCommand). @default process.stdin */
  input?: Readable;
  /**
   * Where the session's bytes go — only payload bytes, never diagnostics. Ended when the
   * session ends (unless it is `process.stdout`). @default process.stdout
   */
  output?: Writable;
  /**
   * After `input` ends, wait until everything sent was acknowledged and the output stayed quiet
   * for this long before terminating the session, so replies to the last input still arrive
   * (`printf … | ssm-tunnel ssh-proxy …`). At most 10 s more. `0` terminates at once, as the
   * official plugin does. @default 1_000
   */
  inputEndGraceMs?: number;
}

/** Upper bound of the linger after `input` ended, on top of {@link StdioSessionOptions.inputEndGraceMs}. */
const INPUT_END_LINGER_MAX_MS = 10_000;

/** How a stdio session ended. */
export interface StdioSessionResult {
  /** `terminated`: input ended or `close()`; `channel-closed`: the service or sshd ended it. */
  reason: SessionEnd['reason'];
  /** `channel_closed` text, if any (print it to stderr, never to stdout). */
  output: string;
  /** Set when the session failed (reconnect failed, channel error). */
  error?: TunnelError;
}

/** An open stdio session (ssh `ProxyCommand` mode). */
export interface StdioSession {
  /** The Session Manager session. */
  readonly sessionId: string;
  /** The resolved target. */
  readonly target: ResolvedTarget;
  /** Settles when the session is over (input ended, service ended it, or `close()`). Never rejects. */
  readonly done: Promise<StdioSessionResult>;
  /** Subscribe to one event type, or `'event'` for all. */
  on<K extends keyof TunnelEventMap>(type: K, listener: (...args: TunnelEventMap[K]) => void): this;
  /** Unsubscribe. */
  off<K extends keyof TunnelEventMap>(
    type: K,
    listener: (...args: TunnelEventMap[K]) => void,
  ): this;
  /** A snapshot of the counters (connections count the one stdio pair). */
  stats(): TunnelStats;
  /** Terminates the session (flag + API), stops an ephemeral bastion. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const stdioOptionsSchema = z
  .object({
    ...sessionOptionsShape,
    port: z.int().min(1).max(65_535).optional(),
    documentName: z
      .string()
      .regex(/^[a-zA-Z0-9_\-.:/]{3,128}$/, 'expected a document name')
      .optional(),
    input: z
      .custom<Readable>((value) => typeof (value as Readable | undefined)?.on === 'function')
      .optional(),
    output: z
      .custom<Writable>((value) => typeof (value as Writable | undefined)?.write === 'function')
      .optional(),
    inputEndGraceMs: z.int().min(0).max(60_000).optional(),
  })
  .strict();

class StdioSessionImpl extends EventEmitter<TunnelEventMap> implements StdioSession {
  sessionId = '';
  target!: ResolvedTarget;
  readonly done: Promise<StdioSessionResult>;
  readonly #options: StdioSessionOptions;
  readonly #emit: (event: TunnelEvent) => void;
  readonly #input: Readable;
  readonly #output: Writable;
  #resolveDone!: (result: StdioSessionResult) => void;
  #context: AwsContext | undefined;
  #ownsContext = false;
  #session: ReconnectingSession | undefined;
  #closing: Promise<void> | undefined;
  #finished = false;
  #removeAbortListener: (() => void) | undefined;
  readonly #stats = { bytesSent: 0, bytesReceived: 0, reconnects: 0 };
  readonly #onInputData = (chunk: Buffer | string): void => this.#sendInput(chunk);
  /** When the last output byte was written (for the linger after input ended). */
  #lastOutputAt = 0;

  readonly #onInputEnd = (): void => {
    void this.#lingerThenClose();
  };

  /** Input ended: let the replies to it arrive, then terminate (see `inputEndGraceMs`). */
  async #lingerThenClose(): Promise<void> {
    const graceMs = this.#options.inputEndGraceMs ?? 1_000;
    const endedAt = Date.now();
    const deadline = endedAt + graceMs + INPUT_END_LINGER_MAX_MS;
    tunnelLog('stdio: input ended; terminating once the output is quiet for %d ms', graceMs);
    while (graceMs > 0 && !this.#finished && Date.now() < deadline) {
      const unacknowledged = this.#session?.channel.channel.unacknowledgedCount ?? 0;
      const quietMs = Date.now() - Math.max(this.#lastOutputAt, endedAt);
      if (unacknowledged === 0 && quietMs >= graceMs) break;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(50, graceMs)));
    }
    await this.close();
  }

  constructor(options: StdioSessionOptions) {
    super();
    this.#options = options;
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stdout;
    this.#emit = safeEmitter(options.onEvent, (event) => {
      (this as EventEmitter).emit(event.type, event);
      (this as EventEmitter).emit('event', event);
    });
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  stats(): TunnelStats {
    const open = this.#session !== undefined && !this.#finished;
    return {
      ...this.#stats,
      connectionsOpen: open ? 1 : 0,
      connectionsQueued: 0,
      connectionsTotal: this.#session === undefined ? 0 : 1,
      sessionsStarted: this.#session === undefined ? 0 : 1,
      sessionId: open ? this.sessionId : undefined,
    };
  }

  async open(): Promise<void> {
    const options = this.#options;
    try {
      const prepared = await prepareContext(options.context);
      this.#context = prepared.context;
      this.#ownsContext = prepared.owned;
      this.target = await prepareTarget(
        this.#context,
        options.target,
        this.#emit,
        options.signal,
        options.stopOnSignals,
      );
      if (this.target.ephemeral !== undefined) {
        setSignalCleanup(this.target.ephemeral, () => this.close());
      }
      const session = await ReconnectingSession.open({
        context: this.#context,
        start: {
          target: this.target.target,
          documentName: options.documentName ?? SessionDocument.SSH,
          parameters: { portNumber: [String(options.port ?? 22)] },
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        },
        clientVersion: options.clientVersion,
        reconnect: options.reconnect ?? {},
        webSocketFactory: options.webSocketFactory,
        handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
        webSocketKeepAlive: WEBSOCKET_KEEPALIVE,
        signal: options.signal,
      });
      if (this.#closing !== undefined) {
        // Closed (a signal) while the session was starting.
        await session.terminate();
        throw new TunnelError('ERR_TUNNEL_CLOSED', 'The session was closed while it was opening.', {
          sessionId: session.sessionId,
        });
      }
      this.#session = session;
      this.sessionId = session.sessionId;
      if (session.handshake.portMode !== 'stdio') {
        throw new TunnelError(
          'ERR_TUNNEL_UNSUPPORTED_SESSION',
          `Session ${session.sessionId}: the agent started ${session.handshake.portMode ?? session.handshake.sessionType ?? 'an unknown'} forwarding, not stdio. Use openPortTunnel() for port-forwarding documents.`,
          { sessionId: session.sessionId },
        );
      }
    } catch (error) {
      // Memoized like close(): a signal may already be closing the session.
      this.#closing ??= this.#shutdown().catch((shutdownError: unknown) => {
        tunnelLog.error('stdio: closing failed: %s', (shutdownError as Error).message);
      });
      await this.#closing;
      throw error;
    }
    const session = this.#session;
    session.on('reconnecting', ({ attempt }) =>
      this.#emit({ type: 'reconnecting', sessionId: session.sessionId, attempt }),
    );
    session.on('reconnected', ({ attempts, downtimeMs }) => {
      this.#stats.reconnects++;
      this.#emit({ type: 'reconnected', sessionId: session.sessionId, attempts, downtimeMs });
    });
    session.on('end', (end) => this.#onEnd(end));
    // Every payload type goes to the output, like the plugin — but only payload bytes.
    session.channel.setDataConsumer((payload, payloadType) => {
      if (payloadType !== PayloadType.Output && payloadType !== PayloadType.StdErr) return true;
      if (this.#output.writableNeedDrain) return false;
      this.#stats.bytesReceived += payload.byteLength;
      this.#lastOutputAt = Date.now();
      this.#output.write(payload);
      return true;
    });
    this.#output.on('drain', this.#onOutputDrain);
    session.channel.on('drain', this.#onChannelDrain);
    this.#emit({
      type: 'session-started',
      sessionId: session.sessionId,
      target: this.target.target,
      agentVersion: session.handshake.agentVersion,
      mode: 'stdio',
    });
    this.#input.on('data', this.#onInputData);
    this.#input.once('end', this.#onInputEnd);
    this.#input.resume();
    const { signal } = this.#options;
    if (signal !== undefined) {
      const onAbort = (): void => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#removeAbortListener = () => signal.removeEventListener('abort', onAbort);
    }
  }

  readonly #onOutputDrain = (): void => this.#session?.channel.retryDelivery();
  readonly #onChannelDrain = (): void => {
    if (!this.#finished) this.#input.resume();
  };

  #sendInput(chunk: Buffer | string): void {
    const session = this.#session;
    if (session === undefined || this.#finished) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#stats.bytesSent += bytes.byteLength;
    if (
      !session.channel.sendData(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    ) {
      this.#input.pause();
    }
  }

  #onEnd(end: SessionEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#detach();
    this.#emit({
      type: 'session-ended',
      sessionId: this.sessionId,
      reason: end.reason,
      output: end.output,
      ...(end.error === undefined ? {} : { error: end.error }),
    });
    if (end.output !== '') tunnelLog('stdio: session %s ended: %s', this.sessionId, end.output);
    if (this.#output !== process.stdout && this.#output !== process.stderr) this.#output.end();
    this.#resolveDone({
      reason: end.reason,
      output: end.output,
      ...(end.error === undefined ? {} : { error: end.error }),
    });
    // The service ended it: release everything else too.
    void this.close();
  }

  #detach(): void {
    this.#input.off('data', this.#onInputData);
    this.#input.off('end', this.#onInputEnd);
    this.#input.pause();
    this.#output.off('drain', this.#onOutputDrain);
    this.#session?.channel.off('drain', this.#onChannelDrain);
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      // Assigned before shutting down: ending the session re-enters close().
      let resolveClosing!: () => void;
      this.#closing = new Promise((resolve) => {
        resolveClosing = resolve;
      });
      void this.#shutdown()
        .catch((error: unknown) => {
          tunnelLog.error('stdio: closing failed: %s', (error as Error).message);
        })
        .then(() => {
          this.#emit({ type: 'closed' });
          resolveClosing();
        });
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#removeAbortListener?.();
    this.#detach();
    // stdin EOF or close(): Flag TerminateSession and the TerminateSession API (notes item 23).
    if (this.#session !== undefined) await this.#session.terminate();
    if (!this.#finished) {
      this.#finished = true;
      if (this.#session !== undefined) {
        this.#emit({
          type: 'session-ended',
          sessionId: this.sessionId,
          reason: 'terminated',
          output: '',
        });
      }
      if (this.#output !== process.stdout && this.#output !== process.stderr) this.#output.end();
      this.#resolveDone({ reason: 'terminated', output: '' });
    }
    await stopEphemeral(this.target);
    if (this.#ownsContext) this.#context?.destroy();
  }
}

/**
 * Opens a stdio session (`AWS-StartSSHSession`, spec §8) for ssh's `ProxyCommand`: `input`
 * bytes go to `localhost:<port>` on the target, and only the destination's bytes are written to
 * `output` — diagnostics go to the `debug` logger, never to stdout. When `input` ends, the
 * session is terminated (Flag TerminateSession + TerminateSession API). WebSocket drops are
 * reconnected like port tunnels.
 *
 * IAM: `ssm:StartSession` on the target and on `arn:aws:ssm:*:*:document/AWS-StartSSHSession`,
 * `ssm:ResumeSession`, `ssm:TerminateSession`.
 *
 * @example
 * ```ts
 * // ~/.ssh/config:  ProxyCommand node proxy.js %h %p
 * const session = await openStdioSession({ target: process.argv[2], port: Number(process.argv[3]) });
 * const { error } = await session.done;
 * process.exitCode = error === undefined ? 0 : 1;
 * ```
 */
export async function openStdioSession(options: StdioSessionOptions): Promise<StdioSession> {
  validateOptions(stdioOptionsSchema, options, 'openStdioSession');
  const session = new StdioSessionImpl(options);
  await session.open();
  return session;
}
