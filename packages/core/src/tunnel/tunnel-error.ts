import { SsmError, type SsmErrorOptions } from '@ssmkit/protocol';

/** Every code a {@link TunnelError} can carry. Documented in the package README ("Tunnels"). */
export const TunnelErrorCode = {
  /** The local TCP port (or unix socket path) is already taken by another listener. */
  PORT_IN_USE: 'ERR_TUNNEL_PORT_IN_USE',
  /** The local listener could not be created for another reason (permission, unknown address). */
  BIND: 'ERR_TUNNEL_BIND',
  /** The session could not be opened: WebSocket refused, handshake failed or timed out. */
  SESSION_OPEN: 'ERR_TUNNEL_SESSION_OPEN',
  /** The service ended the session (idle timeout, maximum duration, TerminateSession elsewhere). */
  SESSION_ENDED: 'ERR_TUNNEL_SESSION_ENDED',
  /** The WebSocket dropped and every ResumeSession + reconnect attempt failed. */
  RECONNECT_FAILED: 'ERR_TUNNEL_RECONNECT_FAILED',
  /** The agent's session type or port mode does not fit the call (e.g. stdio for a port tunnel). */
  UNSUPPORTED_SESSION: 'ERR_TUNNEL_UNSUPPORTED_SESSION',
  /** The tunnel (or stdio session) was closed, or its `signal` aborted. */
  CLOSED: 'ERR_TUNNEL_CLOSED',
} as const;

/** One of the {@link TunnelErrorCode} values. */
export type TunnelErrorCode = (typeof TunnelErrorCode)[keyof typeof TunnelErrorCode];

/** Options of {@link TunnelError}. */
export interface TunnelErrorOptions extends SsmErrorOptions {
  /** The Session Manager session concerned, when there is one. */
  sessionId?: string;
  /** The local port concerned (`ERR_TUNNEL_PORT_IN_USE`, `ERR_TUNNEL_BIND`). */
  localPort?: number;
}

/**
 * A tunnel or session failed locally: the listener could not bind, the session could not be
 * opened or resumed, or the service ended it. AWS API failures stay {@link AwsError}s.
 *
 * @example
 * ```ts
 * try { await openPortTunnel({ context, target, port: 5432, localPort: 5432 }); }
 * catch (error) {
 *   if (TunnelError.isInstance(error) && error.code === 'ERR_TUNNEL_PORT_IN_USE') { … }
 * }
 * ```
 */
export class TunnelError extends SsmError {
  override readonly code: TunnelErrorCode;
  /** The Session Manager session concerned, when there is one. */
  readonly sessionId: string | undefined;
  /** The local port concerned, for listener errors. */
  readonly localPort: number | undefined;

  constructor(code: TunnelErrorCode, message: string, options: TunnelErrorOptions = {}) {
    super(code, message, options);
    this.name = 'TunnelError';
    this.code = code;
    this.sessionId = options.sessionId;
    this.localPort = options.localPort;
  }

  /** True for a {@link TunnelError}, even from another copy of the package. */
  static override isInstance(error: unknown): error is TunnelError {
    return SsmError.isInstance(error) && error.name === 'TunnelError';
  }
}
