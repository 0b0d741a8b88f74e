import * as z from 'zod/v4';
import { createAwsContext, type AwsContext, type AwsContextOptions } from '../aws/aws-context.js';
import { parseOptions } from '../internal/parse-options.js';
import { tunnelLog } from './tunnel-log.js';
import type { ReconnectPolicy } from '../session/reconnect-policy.js';
import type { WebSocketFactory } from '../session/reconnecting-session.js';
import { resolveTarget, type ResolvedTarget, type TargetSpec } from '../targets/resolve-target.js';
import type { TargetProgressEvent } from '../targets/progress.js';
import type { TunnelEvent } from './tunnel-events.js';

/** Options shared by {@link openPortTunnel} and {@link openStdioSession}. */
export interface SessionOptionsBase {
  /**
   * AWS region, credentials and clients: an {@link AwsContext} (yours: not destroyed by
   * `close()`), or options for {@link createAwsContext} (the tunnel creates and destroys it).
   * @default {} (the SDK's default chain and region)
   */
  context?: AwsContext | AwsContextOptions;
  /**
   * The bastion: a {@link TargetSpec} (`'i-…'`, `{ tag }`, `{ ephemeral }`, …) resolved with
   * `resolveTarget`, or a {@link ResolvedTarget} you resolved yourself. An ephemeral bastion is
   * stopped by `close()`.
   */
  target: TargetSpec | ResolvedTarget;
  /** Audit text passed to StartSession as `Reason` (1–256 characters, one line). */
  reason?: string;
  /**
   * Reconnect a dropped WebSocket with ResumeSession (spec §10.4), or `false` to end the session
   * on the first drop. @default { retries: 5, baseDelayMs: 100, maxDelayMs: 5_000 }
   */
  reconnect?: ReconnectPolicy | false;
  /** Abort opening, or close the tunnel once open. */
  signal?: AbortSignal;
  /**
   * When the tunnel starts an ephemeral bastion: while the task lives, SIGINT or SIGTERM closes
   * the tunnel and stops the task, then — unless the application has its own listener for that
   * signal — raises the signal again so the process exits as it would have (130 / 143).
   * `false` leaves signals alone (stop the task yourself). @default true
   */
  stopOnSignals?: boolean;
  /** Receives every {@link TunnelEvent}, including those emitted before the promise resolves. */
  onEvent?: (event: TunnelEvent) => void;
  /**
   * `ClientVersion` reported to the agent; a protocol switch (≥ 1.1.70 smux, > 1.2.331.0 no smux
   * keep-alive). @default '1.2.707.0'
   */
  clientVersion?: string;
  /** Opens the data-channel WebSocket. For tests. @default connectWebSocket from @ssmkit/protocol */
  webSocketFactory?: WebSocketFactory;
  /** Fail opening when the agent's handshake takes longer, ms. @default 30_000 */
  handshakeTimeoutMs?: number;
}

const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'expected a function',
);

/** zod shape of {@link SessionOptionsBase}; the target and context are checked by their owners. */
export const sessionOptionsShape = {
  context: z.record(z.string(), z.unknown()).optional(),
  target: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  reason: z
    .string()
    .regex(/^.{1,256}$/, 'expected 1–256 characters on one line')
    .optional(),
  reconnect: z
    .union([
      z.literal(false),
      z
        .object({
          retries: z.int().min(0).max(100).optional(),
          baseDelayMs: z.int().min(1).max(60_000).optional(),
          maxDelayMs: z.int().min(1).max(600_000).optional(),
        })
        .strict(),
    ])
    .optional(),
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
  stopOnSignals: z.boolean().optional(),
  onEvent: functionSchema.optional(),
  clientVersion: z
    .string()
    .regex(/^\d+(\.\d+){2,3}$/, 'expected a version such as `1.2.707.0`')
    .optional(),
  webSocketFactory: functionSchema.optional(),
  handshakeTimeoutMs: z.int().min(1).max(600_000).optional(),
};

/** Validate `options` against `schema` once. @internal */
export function validateOptions<Schema extends z.ZodType>(
  schema: Schema,
  options: unknown,
  entryPoint: string,
): void {
  parseOptions(schema, options, entryPoint);
}

function isAwsContext(value: unknown): value is AwsContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AwsContext).destroy === 'function' &&
    typeof (value as AwsContext).credentials === 'function' &&
    typeof (value as AwsContext).region === 'string'
  );
}

function isResolvedTarget(value: unknown): value is ResolvedTarget {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ResolvedTarget).target === 'string' &&
    typeof (value as ResolvedTarget).kind === 'string' &&
    typeof (value as ResolvedTarget).source === 'string'
  );
}

/** The context to use and whether the caller of `close()` must destroy it. @internal */
export async function prepareContext(
  context: AwsContext | AwsContextOptions | undefined,
): Promise<{ context: AwsContext; owned: boolean }> {
  if (isAwsContext(context)) return { context, owned: false };
  return { context: await createAwsContext(context ?? {}), owned: true };
}

/** One line naming a target spec for the `resolving` event (no secrets in specs). */
function describeSpec(spec: TargetSpec): string {
  if (typeof spec === 'string') return spec;
  return JSON.stringify(spec);
}

/** Resolve the target unless it already is a {@link ResolvedTarget}, emitting progress events. @internal */
export async function prepareTarget(
  context: AwsContext,
  target: TargetSpec | ResolvedTarget,
  emit: (event: TunnelEvent) => void,
  signal: AbortSignal | undefined,
  stopOnSignals: boolean | undefined,
): Promise<ResolvedTarget> {
  if (isResolvedTarget(target)) {
    emit({ type: 'target-resolved', target: target.target, description: target.description });
    return target;
  }
  emit({ type: 'resolving', target: describeSpec(target) });
  const resolved = await resolveTarget(context, target, {
    ...(signal === undefined ? {} : { signal }),
    ...(stopOnSignals === undefined ? {} : { stopOnSignals }),
    onProgress: (progress: TargetProgressEvent) => {
      if (progress.type === 'starting-task') {
        emit({
          type: 'starting-task',
          cluster: progress.cluster,
          taskDefinition: progress.taskDefinition,
        });
      } else if (progress.type === 'task-running') {
        emit({ type: 'task-running', taskArn: progress.taskArn });
      }
    },
  });
  emit({ type: 'target-resolved', target: resolved.target, description: resolved.description });
  return resolved;
}

/** Stop an ephemeral bastion, logging (never throwing) failures. @internal */
export async function stopEphemeral(target: ResolvedTarget | undefined): Promise<void> {
  if (target?.ephemeral === undefined) return;
  try {
    await target.ephemeral.stop({ reason: 'tunnel closed' });
  } catch (error) {
    tunnelLog.error(
      'could not stop the ephemeral bastion %s: %s',
      target.ephemeral.taskArn,
      (error as { code?: string }).code ?? (error as Error).name,
    );
  }
}

/** An emitter that never lets a throwing `onEvent` break the tunnel. @internal */
export function safeEmitter(
  onEvent: ((event: TunnelEvent) => void) | undefined,
  emit: (event: TunnelEvent) => void,
): (event: TunnelEvent) => void {
  return (event) => {
    tunnelLog.trace('event %s', event.type);
    try {
      onEvent?.(event);
    } catch (error) {
      tunnelLog.error('onEvent threw for %s: %s', event.type, (error as Error).message);
    }
    try {
      emit(event);
    } catch (error) {
      tunnelLog.error('a %s listener threw: %s', event.type, (error as Error).message);
    }
  };
}

/** WebSocket ping interval and dead-socket timeout used by tunnels (ms). @internal */
export const WEBSOCKET_KEEPALIVE = { intervalMs: 30_000, timeoutMs: 90_000 } as const;

/** Default handshake timeout (ms). @internal */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
