import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode, SsmError } from '../errors/index.js';
import { MuxDecoder } from './decoder.js';
import { MuxCommand, encodeMuxFrame, type MuxFrame } from './frame.js';

/** Naive reference decoder (oracle): DataView per field, whole buffer at once. */
function referenceDecode(bytes: Uint8Array): MuxFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: MuxFrame[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.byteLength) {
    const length = view.getUint16(offset + 2, true);
    frames.push({
      version: view.getUint8(offset),
      command: view.getUint8(offset + 1) as MuxCommand,
      streamId: view.getUint32(offset + 4, true),
      data: bytes.slice(offset + 8, offset + 8 + length),
    });
    offset += 8 + length;
  }
  return frames;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Normalise frames for comparison (views vs copies). */
function plain(frames: MuxFrame[]): MuxFrame[] {
  return frames.map((frame) => ({ ...frame, data: Uint8Array.from(frame.data) }));
}

function decodeChunks(chunks: Uint8Array[], decoder = new MuxDecoder()): MuxFrame[] {
  const frames: MuxFrame[] = [];
  for (const chunk of chunks) for (const frame of decoder.decode(chunk)) frames.push(frame);
  decoder.end();
  return plain(frames);
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const sorted = [...new Set(cuts)].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const cut of sorted) {
    chunks.push(bytes.subarray(previous, cut));
    previous = cut;
  }
  chunks.push(bytes.subarray(previous));
  return chunks;
}

const sample: MuxFrame[] = [
  { version: 1, command: MuxCommand.Syn, streamId: 3, data: new Uint8Array(0) },
  { version: 1, command: MuxCommand.Psh, streamId: 3, data: Uint8Array.from(Buffer.from('hello')) },
  { version: 1, command: MuxCommand.Nop, streamId: 0, data: new Uint8Array(0) },
  { version: 1, command: MuxCommand.Psh, streamId: 5, data: new Uint8Array(40).fill(7) },
  { version: 1, command: MuxCommand.Upd, streamId: 5, data: new Uint8Array(8).fill(1) },
  { version: 1, command: MuxCommand.Fin, streamId: 3, data: new Uint8Array(0) },
];
const sampleBytes = concat(sample.map(encodeMuxFrame));

const frameArbitrary: fc.Arbitrary<MuxFrame> = fc.oneof(
  fc.record({
    version: fc.constant(1),
    command: fc.constantFrom(MuxCommand.Syn, MuxCommand.Fin, MuxCommand.Nop),
    streamId: fc.nat({ max: 0xffff_ffff }),
    data: fc.constant(new Uint8Array(0)),
  }),
  fc.record({
    version: fc.constant(1),
    command: fc.constant(MuxCommand.Psh),
    streamId: fc.nat({ max: 0xffff_ffff }),
    data: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    version: fc.constant(1),
    command: fc.constant(MuxCommand.Upd),
    streamId: fc.nat({ max: 0xffff_ffff }),
    data: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  }),
);

describe('MuxDecoder', () => {
  it('decodes many frames from one chunk as views into it', () => {
    const decoder = new MuxDecoder();
    const frames = [...decoder.decode(sampleBytes)];
    decoder.end();
    expect(plain(frames)).toEqual(sample);
    expect(frames[1]!.data.buffer).toBe(sampleBytes.buffer);
  });

  it('decodes a buffer split at every byte boundary (two chunks)', () => {
    for (let cut = 0; cut <= sampleBytes.byteLength; cut++) {
      expect(decodeChunks(splitAt(sampleBytes, [cut])), `cut at ${cut}`).toEqual(sample);
    }
  });

  it('decodes a buffer fed one byte at a time', () => {
    const chunks = Array.from(sampleBytes, (byte) => Uint8Array.of(byte));
    expect(decodeChunks(chunks)).toEqual(sample);
  });

  it('decodes a 64 KiB frame fed in 1024-byte chunks (data channel size)', () => {
    const data = Uint8Array.from({ length: 65_535 }, (_, index) => index % 251);
    const frame: MuxFrame = { version: 1, command: MuxCommand.Psh, streamId: 9, data };
    const bytes = concat([encodeMuxFrame(frame), encodeMuxFrame(sample[0]!)]);
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.byteLength; offset += 1024) {
      chunks.push(bytes.subarray(offset, offset + 1024));
    }
    expect(decodeChunks(chunks)).toEqual([frame, sample[0]]);
  });

  it('matches the reference decoder on one chunk', () => {
    expect(decodeChunks([sampleBytes])).toEqual(referenceDecode(sampleBytes));
  });

  it('end() throws TRUNCATED stating the bytes left (EOF mid-frame)', () => {
    for (const cut of [1, 7, 8, 12, 20]) {
      const decoder = new MuxDecoder();
      const frames = [...decoder.decode(sampleBytes.subarray(0, cut))];
      expect(frames.length).toBeLessThanOrEqual(1);
      let error: unknown;
      try {
        decoder.end();
      } catch (caught) {
        error = caught;
      }
      const left = cut - (cut >= 8 ? 8 : 0);
      if (left === 0) {
        expect(error).toBeUndefined();
        continue;
      }
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(ProtocolErrorCode.TRUNCATED);
      expect((error as ProtocolError).message).toContain(`${left} bytes left over`);
    }
  });

  it('keeps the rest of a chunk when iteration stops early', () => {
    const decoder2 = new MuxDecoder();
    const frames: MuxFrame[] = [];
    for (const frame of decoder2.decode(sampleBytes)) {
      frames.push(frame);
      if (frames.length === 2) break;
    }
    for (const frame of decoder2.decode(new Uint8Array(0))) frames.push(frame);
    decoder2.end();
    expect(plain(frames)).toEqual(sample);
  });

  it('stays failed after a protocol error', () => {
    const decoder = new MuxDecoder();
    const bad = Uint8Array.of(1, 9, 0, 0, 0, 0, 0, 0);
    expect(() => [...decoder.decode(bad)]).toThrow(ProtocolError);
    expect(() => [...decoder.decode(sampleBytes)]).toThrow(/command 9/);
  });

  it('detects an invalid header split across chunks', () => {
    const decoder = new MuxDecoder();
    expect([...decoder.decode(Uint8Array.of(1, 2, 5))]).toEqual([]);
    expect(() => [...decoder.decode(Uint8Array.of(0, 3))]).not.toThrow();
    expect(() => [...decoder.decode(Uint8Array.of(0, 0, 0))]).not.toThrow();
    const decoder2 = new MuxDecoder();
    expect([...decoder2.decode(Uint8Array.of(1))]).toEqual([]);
    const error = (() => {
      try {
        Array.from(decoder2.decode(Uint8Array.of(8, 0, 0, 1, 0, 0, 0)));
      } catch (caught) {
        return caught;
      }
    })();
    expect((error as ProtocolError).code).toBe(ProtocolErrorCode.MUX_INVALID_FRAME);
  });

  it('accepts version 2 only when configured', () => {
    const v2 = encodeMuxFrame({
      version: 2,
      command: MuxCommand.Nop,
      streamId: 0,
      data: new Uint8Array(0),
    });
    expect(decodeChunks([v2], new MuxDecoder({ version: 2 }))).toHaveLength(1);
    expect(() => decodeChunks([v2])).toThrow(/version 2 does not match the session version 1/);
    expect(() => new MuxDecoder({ version: 3 as 1 })).toThrow(ProtocolError);
  });

  test.prop([
    fc.array(frameArbitrary, { maxLength: 30 }),
    fc.array(fc.nat({ max: 10_000 }), { maxLength: 40 }),
  ])('any chunking of any frame sequence decodes to the same frames', (frames, cutSeeds) => {
    const bytes = concat(frames.map(encodeMuxFrame));
    const cuts = cutSeeds.map((seed) =>
      bytes.byteLength === 0 ? 0 : seed % (bytes.byteLength + 1),
    );
    expect(decodeChunks(splitAt(bytes, cuts))).toEqual(plain(frames));
    expect(referenceDecode(bytes)).toEqual(plain(frames));
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 })])(
    'arbitrary bytes never throw anything but an SsmError',
    (chunks) => {
      const decoder = new MuxDecoder();
      try {
        for (const chunk of chunks) for (const _frame of decoder.decode(chunk)) void _frame;
        decoder.end();
      } catch (error) {
        expect(SsmError.isInstance(error)).toBe(true);
        expect([ProtocolErrorCode.MUX_INVALID_FRAME, ProtocolErrorCode.TRUNCATED]).toContain(
          (error as ProtocolError).code,
        );
      }
    },
  );
});
