import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { MuxStream } from '../src/mux/index.js';

/** Properties of AWS-StartPortForwardingSession for a port. */
export const portForwardingProperties = (port = 80): Record<string, unknown> => ({
  localPortNumber: '0',
  portNumber: String(port),
  type: 'LocalPortForwarding',
});

/** Deterministic pseudo-random bytes (fast; not crypto). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[index] = state & 0xff;
  }
  return out;
}

export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

export { randomBytes };

/** Writes `data` in chunks of `chunkSize`, honouring back-pressure, then ends the stream. */
export async function writeAll(
  stream: Duplex,
  data: Uint8Array,
  chunkSize = 16_384,
): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    const ok = stream.write(data.subarray(offset, offset + chunkSize));
    if (!ok) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          stream.off('error', onError);
          resolve();
        };
        const onError = (error: Error): void => {
          stream.off('drain', onDrain);
          reject(error);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    }
  }
  await new Promise<void>((resolve) => stream.end(resolve));
}

/** Reads a stream to its end and returns length and SHA-256. */
export function readAll(stream: Duplex | MuxStream): Promise<{ length: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let length = 0;
    stream.on('data', (chunk: Uint8Array) => {
      hash.update(chunk);
      length += chunk.byteLength;
    });
    stream.once('end', () => resolve({ length, sha256: hash.digest('hex') }));
    stream.once('error', reject);
  });
}
