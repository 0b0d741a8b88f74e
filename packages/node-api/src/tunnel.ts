import {
  TunnelError,
  createAwsContext,
  openPortTunnel,
  type AwsContext,
  type PortTunnel,
  type ResolvedTarget,
  type TunnelEvent,
  type TunnelEventMap,
  type TunnelMode,
  type TunnelStats,
} from '@ssmkit/core';
import { log } from './internal/log.js';
import { logEvent, type TunnelLogger } from './logger.js';
import {
  checkContextExclusive,
  contextOptionsOf,
  openTunnelOptionsSchema,
  targetOf,
  type OpenTunnelOptions,
} from './options.js';
import { validate } from './internal/validate.js';
import { rethrowTargetConfigError } from './internal/errors.js';

/**
 * An open tunnel: a local listener (`localAddress:localPort`) whose connections reach
 * `host:port` through Session Manager. `await using` closes it; so does `close()` and the
 * `signal` given to {@link openTunnel}.
 *
 * Events: subscribe with `on(type, listener)` (or `'event'` for all), or iterate them with
 * `for await (const event of tunnel.events())`.
 */
export interface Tunnel extends AsyncDisposable {
  /** The local address listened on, e.g. `127.0.0.1`. */
  readonly localAddress: string;
  /** The local TCP port (the OS-chosen one when `localPort` was 0). */
  readonly localPort: number;
  /** The current Session Manager session id; undefined between sessions. */
  readonly sessionId: string | undefined;
  /** The resolved bastion (`target.target` is the `i-…`/`ecs:…` id). */
  readonly target: ResolvedTarget;
  /** `mux` (many connections at once) or `basic` (agents ≤ 3.0.196.0: one at a time). */
  readonly mode: TunnelMode;
  /** True once `close()` was called (or the signal aborted). */
  readonly closed: boolean;
  /**
   * `scheme://localAddress:localPort`, e.g. `tunnel.url('postgres')` →
   * `postgres://127.0.0.1:15432`. IPv6 addresses are bracketed.
   * @param scheme URL scheme without `://`. @default 'tcp'
   */
  url(scheme?: string): string;
  /** Subscribe to one event type, or `'event'` for every event. */
  on<K extends keyof TunnelEventMap>(type: K, listener: (...args: TunnelEventMap[K]) => void): this;
  /** Unsubscribe. */
  off<K extends keyof TunnelEventMap>(
    type: K,
    listener: (...args: TunnelEventMap[K]) => void,
  ): this;
  /**
   * Every event from now on, as an async iterator that ends after `closed` (or when `signal`
   * aborts, or you `break`).
   */
  events(options?: { signal?: AbortSignal }): AsyncIterableIterator<TunnelEvent>;
  /** Byte and connection counters. */
  stats(): TunnelStats;
  /**
   * Close the listener and its connections, terminate the session, stop an ephemeral bastion
   * and destroy the SDK clients the tunnel created. Idempotent; leaves no handles behind.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What the wrapper runs after the core tunnel closed. @internal */
export type CloseHook = () => void | Promise<void>;

/** @internal */
export class TunnelImpl implements Tunnel {
  readonly #inner: PortTunnel;
  readonly #label: string;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => void this.close();
  readonly #hooks: CloseHook[];
  #closing: Promise<void> | undefined;

  constructor(
    inner: PortTunnel,
    label: string,
    signal: AbortSignal | undefined,
    hooks: CloseHook[],
  ) {
    this.#inner = inner;
    this.#label = label;
    this.#signal = signal;
    this.#hooks = hooks;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (signal?.aborted === true) this.#onAbort();
  }

  get localAddress(): string {
    return this.#inner.localAddress;
  }
  get localPort(): number {
    return this.#inner.localPort;
  }
  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }
  get target(): ResolvedTarget {
    return this.#inner.target;
  }
  get mode(): TunnelMode {
    return this.#inner.mode;
  }
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  url(scheme = 'tcp'): string {
    const address = this.localAddress.includes(':') ? `[${this.localAddress}]` : this.localAddress;
    return `${scheme}://${address}:${this.localPort}`;
  }

  on<K extends keyof TunnelEventMap>(
    type: K,
    listener: (...args: TunnelEventMap[K]) => void,
  ): this {
    this.#inner.on(type, listener);
    return this;
  }

  off<K extends keyof TunnelEventMap>(
    type: K,
    listener: (...args: TunnelEventMap[K]) => void,
  ): this {
    this.#inner.off(type, listener);
    return this;
  }

  events(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<TunnelEvent> {
    return iterateEvents(this, options.signal);
  }

  stats(): TunnelStats {
    return this.#inner.stats();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    log('%s: closing', this.#label || 'tunnel');
    try {
      await this.#inner.close();
    } finally {
      for (const hook of this.#hooks) {
        try {
          await hook();
        } catch (error) {
          log.error('%s: cleanup failed: %s', this.#label || 'tunnel', (error as Error).message);
        }
      }
      log('%s: closed', this.#label || 'tunnel');
    }
  }
}

/** An async iterator over a tunnel's events, ending after `closed`. */
function iterateEvents(
  tunnel: Tunnel,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<TunnelEvent> {
  const queue: TunnelEvent[] = [];
  let wake: (() => void) | undefined;
  let done = tunnel.closed || signal?.aborted === true;
  const onEvent = (event: TunnelEvent): void => {
    queue.push(event);
    if (event.type === 'closed') finish();
    wake?.();
  };
  const finish = (): void => {
    done = true;
    tunnel.off('event', onEvent);
    signal?.removeEventListener('abort', onAbort);
    wake?.();
  };
  const onAbort = (): void => finish();
  if (!done) {
    tunnel.on('event', onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  }
  const iterator: AsyncIterableIterator<TunnelEvent> = {
    async next() {
      for (;;) {
        const event = queue.shift();
        if (event !== undefined) return { value: event, done: false };
        if (done) return { value: undefined, done: true };
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    async return() {
      finish();
      queue.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** Everything needed to open one tunnel once the options are validated. @internal */
export interface PreparedTunnel {
  options: OpenTunnelOptions;
  /** A context to use (not destroyed by the tunnel), or undefined to create one. */
  context: AwsContext | undefined;
  /** Label for logs (`openTunnels` names each tunnel). */
  label: string;
  /** Extra cleanup after close (e.g. destroying a context made for this tunnel). */
  hooks: CloseHook[];
}

/** The AbortError-like rejection for an already aborted signal. @internal */
export function abortedError(signal: AbortSignal): TunnelError {
  return new TunnelError('ERR_TUNNEL_CLOSED', 'Opening the tunnel was aborted.', {
    cause: signal.reason,
  });
}

/** Throw {@link abortedError} when `signal` has aborted. @internal */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError(signal);
}

/** Open a tunnel from validated options. @internal */
export async function openPrepared(
  prepared: PreparedTunnel,
  entryPoint: string,
): Promise<TunnelImpl> {
  const { options, label } = prepared;
  const { signal, logger } = options;
  const target = targetOf(options, entryPoint);
  throwIfAborted(signal);
  const hooks = [...prepared.hooks];
  let context = prepared.context ?? options.context;
  const runHooks = async (): Promise<void> => {
    for (const hook of hooks) await hook();
  };
  try {
    if (context === undefined) {
      const created = await createAwsContext(contextOptionsOf(options));
      context = created;
      hooks.push(() => created.destroy());
    }
    throwIfAborted(signal);
    log(
      '%sopening: target=%s host=%s port=%d region=%s',
      label === '' ? '' : `${label}: `,
      typeof target === 'string' ? target : JSON.stringify(target),
      options.host ?? '(the target)',
      options.port,
      context.region,
    );
    const inner = await openPortTunnel({
      context,
      target,
      port: options.port,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.localPort === undefined ? {} : { localPort: options.localPort }),
      ...(options.bindAddress === undefined ? {} : { bindAddress: options.bindAddress }),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(signal === undefined ? {} : { signal }),
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...(options.keepAlive === undefined ? {} : { keepAlive: options.keepAlive }),
      ...(options.stopOnSignals === undefined ? {} : { stopOnSignals: options.stopOnSignals }),
      onEvent: createEventSink(label, logger, options.onEvent),
    });
    return new TunnelImpl(inner, label, signal, hooks);
  } catch (error) {
    await runHooks().catch(() => undefined);
    rethrowTargetConfigError(error, entryPoint);
    throw error;
  }
}

function createEventSink(
  label: string,
  logger: TunnelLogger | undefined,
  onEvent: ((event: TunnelEvent) => void) | undefined,
): (event: TunnelEvent) => void {
  return (event) => {
    log.trace('%sevent %s', label === '' ? '' : `${label}: `, event.type);
    logEvent(logger, label, event);
    onEvent?.(event);
  };
}

/**
 * Open a tunnel to `host:port` through a Session Manager bastion and listen on
 * `127.0.0.1:<localPort>`. Resolves once the listener is up and the first session is open;
 * every connection to it is forwarded (many at once). The tunnel survives WebSocket drops and
 * starts a fresh session after an idle timeout.
 *
 * @throws {@link ConfigError} `ERR_CONFIG_INVALID_OPTION` (the message and `options` name the
 *   option), `ERR_CONFIG_MISSING_REGION`; {@link TunnelError} `ERR_TUNNEL_PORT_IN_USE`,
 *   `ERR_TUNNEL_SESSION_OPEN`, `ERR_TUNNEL_CLOSED` (aborted); {@link AwsError},
 *   {@link TargetError} from the AWS calls.
 * @example
 * ```ts
 * import { openTunnel } from '@ssmkit/node-api';
 *
 * await using tunnel = await openTunnel({
 *   host: 'mydb.cluster-abc.eu-west-1.rds.amazonaws.com',
 *   port: 5432,
 *   target: { tag: { Name: 'bastion' } },
 * });
 * console.log(tunnel.url('postgres')); // postgres://127.0.0.1:54321
 * ```
 */
export async function openTunnel(options: OpenTunnelOptions): Promise<Tunnel> {
  validate(openTunnelOptionsSchema, options, 'openTunnel');
  checkContextExclusive(options, 'openTunnel');
  return openPrepared({ options, context: undefined, label: '', hooks: [] }, 'openTunnel');
}

/**
 * Open a tunnel, run `fn` with it, and close the tunnel whatever happens (also when `fn`
 * throws). Resolves with what `fn` returns.
 *
 * @example
 * ```ts
 * const rows = await withTunnel({ host, port: 5432 }, async (tunnel) => {
 *   return query(tunnel.url('postgres'));
 * });
 * ```
 */
export async function withTunnel<T>(
  options: OpenTunnelOptions,
  fn: (tunnel: Tunnel) => T | Promise<T>,
): Promise<T> {
  const tunnel = await openTunnel(options);
  try {
    return await fn(tunnel);
  } finally {
    await tunnel.close();
  }
}
