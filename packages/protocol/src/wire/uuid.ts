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
  if (!UUID_PATTERN.test(uuid)) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_FIELD,
      `messageId must be a hyphenated UUID string, got ${JSON.stringify(uuid.slice(0, 40))}`,
    );
  }
  const hex = uuid.replaceAll('-', '');
  for (let index = 0; index < 16; index++) {
    const value = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
    // canonical byte i goes to wire position (i + 8) mod 16
    target[offset + ((index + 8) & 15)] = value;
  }
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
