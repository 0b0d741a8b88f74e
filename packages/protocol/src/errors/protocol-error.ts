import { SsmError, type SsmErrorOptions } from './ssm-error.js';

/** Every code a {@link ProtocolError} can carry. Documented in the package README. */
export const ProtocolErrorCode = {
  /** A frame is shorter than its layout requires, or its HeaderLength points past its end. */
  FRAME_TOO_SHORT: 'ERR_PROTOCOL_FRAME_TOO_SHORT',
  /** A header field has a value the protocol forbids (HeaderLength 0, empty MessageType, CreatedDate 0, …). */
  INVALID_HEADER: 'ERR_PROTOCOL_INVALID_HEADER',
  /** SHA-256 of the payload does not match PayloadDigest. */
  INVALID_DIGEST: 'ERR_PROTOCOL_INVALID_DIGEST',
  /** A field to encode is out of range (MessageType longer than 32 bytes, bad UUID, negative number…). */
  INVALID_FIELD: 'ERR_PROTOCOL_INVALID_FIELD',
  /** A payload does not have the shape its PayloadType requires (bad JSON, wrong size, schema mismatch). */
  INVALID_PAYLOAD: 'ERR_PROTOCOL_INVALID_PAYLOAD',
  /** An smux frame is malformed (unknown version or command, bad length). */
  MUX_INVALID_FRAME: 'ERR_PROTOCOL_MUX_INVALID_FRAME',
  /** Input ended in the middle of a frame. */
  TRUNCATED: 'ERR_PROTOCOL_TRUNCATED',
  /** The handshake failed: timeout, unsupported session type, an action rejected by the peer. */
  HANDSHAKE_FAILED: 'ERR_PROTOCOL_HANDSHAKE_FAILED',
  /** A message was retransmitted the maximum number of times without an acknowledgement. */
  RETRANSMIT_LIMIT: 'ERR_PROTOCOL_RETRANSMIT_LIMIT',
  /** The channel or stream was closed (locally, by the peer, or by the service). */
  CLOSED: 'ERR_PROTOCOL_CLOSED',
  /** KMS data key or AES-GCM encryption/decryption failed. */
  ENCRYPTION: 'ERR_PROTOCOL_ENCRYPTION',
  /** The WebSocket (or other transport) failed. */
  TRANSPORT: 'ERR_PROTOCOL_TRANSPORT',
  /** The peer refused to open an smux stream's destination (ConnectToPortError). */
  CONNECT_TO_PORT: 'ERR_PROTOCOL_CONNECT_TO_PORT',
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Why a channel or session was torn down; carried by {@link ProtocolError} like yamux's GoAway code. */
export type TeardownReason =
  'malformed-input' | 'handshake' | 'retransmit-limit' | 'closed' | 'transport' | 'none';

/** An error in the Session Manager protocol layer: framing, payloads, channel, mux or handshake. */
export class ProtocolError extends SsmError {
  override readonly code: ProtocolErrorCode;
  /** What this error means for the session: `none` when the frame was just skipped. */
  readonly reason: TeardownReason;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    options: SsmErrorOptions & { reason?: TeardownReason } = {},
  ) {
    super(code, message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.reason = options.reason ?? 'malformed-input';
  }
}
