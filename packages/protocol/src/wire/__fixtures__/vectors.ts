/**
 * Test helpers for table-driven codec vectors (conventions #7). Not shipped (`__fixtures__`).
 */
import { describe, expect, test } from 'vitest';
import { SsmError } from '../../errors/index.js';

/** Hex (spaces, newlines and `//` comments allowed) → bytes. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) {
    throw new Error(`bad hex vector: ${clean.slice(0, 40)}`);
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** Bytes → lower-case hex. */
export function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One codec vector. */
export interface CodecVector<Value> {
  name: string;
  value: Value;
  bytes: Uint8Array;
}

/** One error vector: decoding `bytes` must throw an SsmError with `code`. */
export interface ErrorVector {
  name: string;
  bytes: Uint8Array;
  code: string;
  /** Optional substring the message must contain. */
  message?: string;
}

/** Expands vectors into decode / encode-exact / round-trip tests. */
export function describeCodec<Value, Encoded extends Uint8Array | string = Uint8Array>(
  title: string,
  codec: {
    encode: (value: Value) => Encoded;
    decode: (bytes: Encoded) => Value;
  },
  vectors: readonly CodecVector<Value>[],
  toEncoded: (bytes: Uint8Array) => Encoded = (bytes) => bytes as Encoded,
): void {
  describe(title, () => {
    describe.each(vectors)('$name', ({ value, bytes }) => {
      const encoded = toEncoded(bytes);
      test('decode', () => {
        expect(codec.decode(encoded)).toEqual(value);
      });
      test('encode (exact bytes)', () => {
        const actual = codec.encode(value);
        if (typeof actual === 'string') expect(actual).toBe(encoded);
        else expect(toHexString(actual)).toBe(toHexString(bytes));
      });
      test('round-trip', () => {
        expect(codec.decode(codec.encode(value))).toEqual(value);
      });
    });
  });
}

/** Asserts `run` throws an SsmError with `code` (and optionally a message substring). */
export function expectSsmError(run: () => unknown, code: string, message?: string): SsmError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(SsmError.isInstance(caught), `expected an SsmError, got ${String(caught)}`).toBe(true);
  const error = caught as SsmError;
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toContain(message);
  return error;
}

/** Expands error vectors into one test each. */
export function describeErrors(
  title: string,
  decode: (bytes: Uint8Array) => unknown,
  vectors: readonly ErrorVector[],
): void {
  describe(title, () => {
    test.each(vectors)('$name → $code', ({ bytes, code, message }) => {
      expectSsmError(() => decode(bytes), code, message);
    });
  });
}
