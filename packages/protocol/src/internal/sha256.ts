import * as crypto from 'node:crypto';

// One-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object a digest per message otherwise
// costs; `createHash` remains the fallback.
const oneShot = (
  crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }
).hash;

/** SHA-256 of `bytes` as a new 32-byte array. */
export function sha256(bytes: Uint8Array): Uint8Array {
  const digest =
    oneShot !== undefined
      ? oneShot('sha256', bytes, 'buffer')
      : crypto.createHash('sha256').update(bytes).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** Constant-shape comparison of two byte arrays. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let index = 0; index < a.byteLength; index++) {
    if (a[index] !== b[index]) return false;
  }
  return true;
}

/** Lower-case hex of `bytes` (for error messages and logs). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
