/** Pieces shared by bench/run.ts and bench/server.ts. */
import { createHash, type Hash } from 'node:crypto';

/** Bytes of a data-channel frame before its payload (HeaderLength field + 116-byte header). */
export const HEADER_BYTES = 120;
/** Largest stream payload the official agent and client send per message (spec §5). */
export const MESSAGE_PAYLOAD = 1024;

/** Deterministic pseudo-random bytes (xorshift32), identical in every process. */
export function pattern(length: number): Buffer {
  const out = Buffer.allocUnsafe(length + 3);
  let state = 0x9e3779b9;
  for (let offset = 0; offset < length; offset += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out.writeInt32LE(state | 0, offset);
  }
  return out.subarray(0, length);
}

/** Incremental SHA-256. */
export class Sha256Stream {
  readonly #hash: Hash = createHash('sha256');
  update(bytes: Uint8Array): void {
    this.#hash.update(bytes);
  }
  digest(): Buffer {
    return this.#hash.digest();
  }
}

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
