import { createAwsContext, type AwsContext } from '@ssmkit/core';
import * as z from 'zod/v4';
import { log } from './internal/log.js';
import { validate } from './internal/validate.js';
import {
  awsOptionsShape,
  checkContextExclusive,
  contextOptionsOf,
  openTunnelOptionsSchema,
  type AwsOptions,
  type OpenTunnelOptions,
} from './options.js';
import type { TunnelLogger } from './logger.js';
import { throwIfAborted, openPrepared, type Tunnel } from './tunnel.js';

/** One tunnel of {@link openTunnels}: {@link OpenTunnelOptions} plus a name for logs. */
export interface TunnelSpec extends OpenTunnelOptions {
  /** Shown in log lines (`[orders-db] listening on …`). @default `tunnel-<index>` */
  name?: string;
}

/** Options of {@link openTunnels} that apply to every tunnel (each tunnel may override the AWS ones). */
export interface OpenTunnelsOptions extends AwsOptions {
  /** Cancels every pending open; once open, aborting closes them all. @default none */
  signal?: AbortSignal;
  /** Receives every tunnel's events, labelled with the tunnel's `name`. @default none */
  logger?: TunnelLogger;
}

/** Several tunnels opened together that close together. */
export interface TunnelGroup<
  Tunnels extends readonly Tunnel[] = readonly Tunnel[],
> extends AsyncDisposable {
  /** The tunnels, in the order given (a tuple when the specs were an array literal). */
  readonly tunnels: Tunnels;
  /** Close every tunnel (in parallel) and destroy the shared SDK clients. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** zod schema of one {@link TunnelSpec}. @internal */
export const tunnelSpecSchema = openTunnelOptionsSchema.extend({
  name: z.string().min(1).max(64).optional(),
});

/** zod schema of {@link OpenTunnelsOptions}. @internal */
export const openTunnelsOptionsSchema = z
  .object({
    ...awsOptionsShape,
    signal: z
      .custom<AbortSignal>((value) => value instanceof AbortSignal, 'expected an AbortSignal')
      .optional(),
    logger: z
      .custom<TunnelLogger>(
        (value) => typeof value === 'object' && value !== null,
        'expected a logger object',
      )
      .optional(),
  })
  .strict();

/** A key for contexts that can be shared: same region, profile, role, endpoint, credentials. */
function contextKey(options: AwsOptions, identities: Map<object, number>): string {
  const identity = (value: object | undefined): number | undefined => {
    if (value === undefined) return undefined;
    let id = identities.get(value);
    if (id === undefined) {
      id = identities.size + 1;
      identities.set(value, id);
    }
    return id;
  };
  return JSON.stringify([
    options.region,
    options.profile,
    options.roleArn,
    options.endpoint,
    options.mfa?.serial,
    typeof options.credentials === 'object'
      ? `key:${options.credentials.accessKeyId}`
      : identity(options.credentials),
  ]);
}

/**
 * Open several tunnels in one process — one per database or environment — sharing credentials
 * (one MFA prompt, one SSO token) and SDK clients between tunnels with the same AWS options.
 * Tunnels open in parallel. If one fails, the others are closed once they opened and the
 * first failure is thrown; `signal` cancels every pending open and closes the open ones
 * (`ERR_TUNNEL_CLOSED`).
 *
 * @example
 * ```ts
 * await using group = await openTunnels([
 *   { name: 'orders', host: ordersHost, port: 5432 },
 *   { name: 'cache', host: redisHost, port: 6379 },
 * ], { profile: 'staging' });
 * const [orders, cache] = group.tunnels;
 * ```
 */
export async function openTunnels<const Specs extends readonly TunnelSpec[]>(
  tunnels: Specs,
  options: OpenTunnelsOptions = {},
): Promise<TunnelGroup<{ readonly [K in keyof Specs]: Tunnel }>> {
  validate(z.array(z.unknown()).min(1, 'expected at least one tunnel'), tunnels, 'openTunnels', [
    'tunnels',
  ]);
  tunnels.forEach((spec, index) =>
    validate(tunnelSpecSchema, spec, 'openTunnels', ['tunnels', String(index)]),
  );
  validate(openTunnelsOptionsSchema, options, 'openTunnels');
  checkContextExclusive(options, 'openTunnels');
  const { signal, logger } = options;
  throwIfAborted(signal);

  // The first tunnel that fails cancels the opens still running (an ephemeral task that is
  // starting is stopped; a session whose StartSession was in flight is terminated by core).
  const failFast = new AbortController();

  // Merge the shared AWS options under each tunnel's own.
  const merged = tunnels.map((spec, index) => {
    const own: OpenTunnelOptions = { ...spec };
    delete (own as TunnelSpec).name;
    const hasOwnAws =
      own.context !== undefined ||
      (['region', 'profile', 'roleArn', 'mfa', 'endpoint', 'credentials'] as const).some(
        (key) => own[key] !== undefined,
      );
    const aws: AwsOptions = hasOwnAws
      ? {}
      : options.context !== undefined
        ? { context: options.context }
        : contextOptionsOf(options);
    // The group's signal cancels every tunnel, also one that has a signal of its own.
    const signals = [own.signal, signal].filter((each) => each !== undefined);
    const tunnelSignal = AbortSignal.any([...signals, failFast.signal]);
    const result: OpenTunnelOptions = {
      ...aws,
      ...own,
      signal: tunnelSignal,
      ...(own.logger === undefined && logger !== undefined ? { logger } : {}),
    };
    checkContextExclusive(result, 'openTunnels');
    return { options: result, label: spec.name ?? `tunnel-${index}` };
  });

  // One context per distinct set of AWS options, created one after another (one MFA prompt).
  const identities = new Map<object, number>();
  const contexts = new Map<string, AwsContext>();
  const owned: AwsContext[] = [];
  const destroyContexts = (): void => {
    for (const context of owned.splice(0)) context.destroy();
  };
  try {
    for (const entry of merged) {
      if (entry.options.context !== undefined) continue;
      const key = contextKey(entry.options, identities);
      let context = contexts.get(key);
      if (context === undefined) {
        context = await createAwsContext(contextOptionsOf(entry.options));
        contexts.set(key, context);
        owned.push(context);
      }
      entry.options = { ...withoutAws(entry.options), context };
    }
  } catch (error) {
    destroyContexts();
    throw error;
  }
  log('openTunnels: %d tunnels, %d shared contexts', merged.length, owned.length);

  let failure: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    merged.map((entry) =>
      openPrepared(
        { options: entry.options, context: entry.options.context, label: entry.label, hooks: [] },
        'openTunnels',
      ).catch((error: unknown) => {
        if (failure === undefined && !isAborted(signal)) {
          failure = { error }; // the first failure in time is the one reported
          failFast.abort(error);
        }
        throw error;
      }),
    ),
  );
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (failure !== undefined || signal?.aborted === true) {
    await Promise.allSettled(opened.map((tunnel) => tunnel.close()));
    destroyContexts();
    if (failure !== undefined) throw failure.error;
    throwIfAborted(signal);
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled(opened.map((tunnel) => tunnel.close()));
      destroyContexts();
    })();
    return closing;
  };
  const onAbort = (): void => void close();
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    tunnels: opened as readonly Tunnel[] as { readonly [K in keyof Specs]: Tunnel },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function withoutAws(options: OpenTunnelOptions): OpenTunnelOptions {
  const copy = { ...options };
  for (const key of [
    'region',
    'profile',
    'roleArn',
    'mfa',
    'endpoint',
    'credentials',
    'context',
  ] as const) {
    delete copy[key];
  }
  return copy;
}

/** Reads `signal.aborted` afresh (it changes while we await). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
