// Deterministic byte streams for transfers whose both directions are checked by length and
// SHA-256 without keeping the bytes: AES-128-CTR over zeros, keyed by a seed, generates the same
// stream on both ends at several hundred MB/s.
import { createCipheriv, createHash } from 'node:crypto';

const ZEROS = Buffer.alloc(64 * 1024);

/** A generator of the deterministic stream for `seed` (any 32-bit number), chunk by chunk. */
export class PatternStream {
  readonly #cipher;
  #remaining: number;

  constructor(seed: number, length: number) {
    const key = Buffer.alloc(16);
    key.writeUInt32BE(seed >>> 0, 0);
    key.write('ssmkit-e2e', 4, 'latin1');
    this.#cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    this.#remaining = length;
  }

  get remaining(): number {
    return this.#remaining;
  }

  /** The next chunk of at most `size` bytes, or `undefined` at the end. */
  next(size = ZEROS.byteLength): Buffer | undefined {
    if (this.#remaining === 0) return undefined;
    const take = Math.min(size, this.#remaining, ZEROS.byteLength);
    this.#remaining -= take;
    return this.#cipher.update(ZEROS.subarray(0, take));
  }
}

/** SHA-256 (hex) of the whole stream for `seed` and `length`. */
export function patternDigest(seed: number, length: number): string {
  const stream = new PatternStream(seed, length);
  const hash = createHash('sha256');
  for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) hash.update(chunk);
  return hash.digest('hex');
}

/** A running length and SHA-256 of bytes seen. */
export class ByteTally {
  readonly #hash = createHash('sha256');
  length = 0;

  add(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.length += chunk.byteLength;
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}
