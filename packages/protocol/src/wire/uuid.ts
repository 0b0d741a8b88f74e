import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = Array.from({ length: 256 }, (_, value) => value.toString(16).padStart(2, '0'));

/** True when `value` is a hyphenated UUID string (any version, either case). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/**
 * Writes `uuid` into `target` at `offset` in the wire order of §3.4: the 8 low bytes of the
 * canonical form first, then the 8 high bytes (Java's least/most significant halves swapped).
 */
export function writeMessageId(target: Uint8Array, offset: number, uuid: string): void {
  // Hot path (once per message): parse the hex digits by char code, validating as it goes —
  // the same strings as UUID_PATTERN are accepted.
  if (uuid.length === 36) {
    let position = 0;
    let index = 0;
    for (; index < 16; index++) {
      if (position === 8 || position === 13 || position === 18 || position === 23) {
        if (uuid.charCodeAt(position) !== 0x2d) break;
        position++;
      }
      const high = hexValue(uuid.charCodeAt(position));
      const low = hexValue(uuid.charCodeAt(position + 1));
      if (high < 0 || low < 0) break;
      // canonical byte i goes to wire position (i + 8) mod 16
      target[offset + ((index + 8) & 15)] = (high << 4) | low;
      position += 2;
    }
    if (index === 16) return;
  }
  throw new ProtocolError(
    ProtocolErrorCode.INVALID_FIELD,
    `messageId must be a hyphenated UUID string, got ${JSON.stringify(uuid.slice(0, 40))}`,
  );
}

/** 0–15 for an ASCII hex digit (either case), else -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Reads a half-swapped MessageId (§3.4) and returns the canonical lower-case UUID string. */
export function readMessageId(source: Uint8Array, offset: number): string {
  let out = '';
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) out += '-';
    out += HEX[source[offset + ((index + 8) & 15)] ?? 0];
  }
  return out;
}
