import * as z from 'zod/v4';
import { ProtocolError, ProtocolErrorCode } from '../../errors/index.js';
import { _goJsonBytes, _parseJsonPayload } from './go-json.js';

/** Terminal size, the payload of PayloadType 3 (Size), client → agent (§9). */
export interface TerminalSize {
  /** `cols` (uint32): columns. */
  cols: number;
  /** `rows` (uint32): rows. */
  rows: number;
}

const uint32 = z.number().int().min(0).max(0xffff_ffff);
const schema = z.object({ cols: uint32, rows: uint32 });

/**
 * Encodes a Size payload exactly as the official client does: `{"cols":80,"rows":24}`.
 *
 * @example
 * ```ts
 * encodeSize({ cols: process.stdout.columns, rows: process.stdout.rows });
 * ```
 */
export function encodeSize(size: TerminalSize): Uint8Array {
  for (const [name, value] of [
    ['cols', size.cols],
    ['rows', size.rows],
  ] as const) {
    if (!uint32.safeParse(value).success) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_FIELD,
        `${name} must be an integer from 0 to ${0xffff_ffff}, got ${String(value)}`,
      );
    }
  }
  return _goJsonBytes({ cols: size.cols, rows: size.rows });
}

/**
 * Decodes a Size payload; both fields are required uint32 values.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeSize(payload: Uint8Array): TerminalSize {
  const data = _parseJsonPayload('Size', payload, schema);
  return { cols: data.cols, rows: data.rows };
}
