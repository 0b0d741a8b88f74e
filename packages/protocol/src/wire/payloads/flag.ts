import { ProtocolError, ProtocolErrorCode } from '../../errors/index.js';

/** Byte length of a PayloadType 10 (Flag) payload. */
export const FLAG_PAYLOAD_LENGTH = 4;

/**
 * Encodes a Flag payload (PayloadType 10): the value as a 4-byte big-endian uint32 (§3.5).
 * See `PayloadTypeFlag` for the defined values.
 *
 * @example
 * ```ts
 * encodeFlag(PayloadTypeFlag.TerminateSession); // 00 00 00 02
 * ```
 */
export function encodeFlag(flag: number): Uint8Array {
  if (!Number.isInteger(flag) || flag < 0 || flag > 0xffff_ffff) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_FIELD,
      `flag must be an integer from 0 to ${0xffff_ffff}, got ${String(flag)}`,
    );
  }
  const bytes = new Uint8Array(FLAG_PAYLOAD_LENGTH);
  new DataView(bytes.buffer).setUint32(0, flag);
  return bytes;
}

/**
 * Decodes a Flag payload. It must be exactly 4 bytes; unknown values are returned as-is.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeFlag(payload: Uint8Array): number {
  if (payload.byteLength !== FLAG_PAYLOAD_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_PAYLOAD,
      `Flag payload is ${payload.byteLength} bytes; expected exactly ${FLAG_PAYLOAD_LENGTH}`,
    );
  }
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}
