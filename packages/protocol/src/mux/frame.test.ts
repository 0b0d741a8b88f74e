import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { MuxDecoder } from './decoder.js';
import {
  MuxCommand,
  MuxDefaults,
  MuxFrameLayout,
  decodeUpdate,
  describeMuxFrame,
  encodeMuxFrame,
  encodeUpdate,
  type MuxFrame,
} from './frame.js';

const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'ascii'));
const empty = new Uint8Array(0);

/** Naive reference decoder (oracle): one DataView read per field, no chunking. */
function referenceDecode(bytes: Uint8Array): MuxFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: MuxFrame[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
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

const maxData = new Uint8Array(MuxDefaults.maxFrameSize).map((_, index) => index * 7);
const maxHeader = [
  0x01, // version
  0x02, // cmd PSH
  0x00,
  0x80, // length 32768 LE
  0x05,
  0x00,
  0x00,
  0x00, // sid 5 LE
];

interface Vector {
  name: string;
  value: MuxFrame;
  bytes: Uint8Array;
  version?: 1 | 2;
}

const vectors: Vector[] = [
  {
    name: 'SYN sid 3 (first client stream)',
    value: { version: 1, command: MuxCommand.Syn, streamId: 3, data: empty },
    // prettier-ignore
    bytes: Uint8Array.of(
      0x01,                   // version 1
      0x00,                   // cmd SYN
      0x00, 0x00,             // length 0 (LE)
      0x03, 0x00, 0x00, 0x00, // sid 3 (LE)
    ),
  },
  {
    name: 'PSH sid 3 "hello" (13 bytes)',
    value: { version: 1, command: MuxCommand.Psh, streamId: 3, data: ascii('hello') },
    // prettier-ignore
    bytes: Uint8Array.of(
      0x01,                         // version 1
      0x02,                         // cmd PSH
      0x05, 0x00,                   // length 5
      0x03, 0x00, 0x00, 0x00,       // sid 3
      0x68, 0x65, 0x6c, 0x6c, 0x6f, // "hello"
    ),
  },
  {
    name: 'FIN sid 5',
    value: { version: 1, command: MuxCommand.Fin, streamId: 5, data: empty },
    bytes: hex('01 01 0000 05000000'),
  },
  {
    name: 'NOP sid 0',
    value: { version: 1, command: MuxCommand.Nop, streamId: 0, data: empty },
    bytes: hex('01 03 0000 00000000'),
  },
  {
    name: 'SYN large sid 0x01020304 (byte order)',
    value: { version: 1, command: MuxCommand.Syn, streamId: 0x01020304, data: empty },
    bytes: hex('01 00 0000 04030201'),
  },
  {
    name: 'SYN max sid 0xffffffff',
    value: { version: 1, command: MuxCommand.Syn, streamId: 0xffff_ffff, data: empty },
    bytes: hex('01 00 0000 ffffffff'),
  },
  {
    name: 'PSH sid 3, 300 bytes (length 0x012c LE)',
    value: {
      version: 1,
      command: MuxCommand.Psh,
      streamId: 3,
      data: new Uint8Array(300).fill(0xab),
    },
    bytes: Uint8Array.from([...hex('01 02 2c01 03000000'), ...new Uint8Array(300).fill(0xab)]),
  },
  {
    name: 'UPD v2 sid 7 consumed 65536 window 262144',
    version: 2,
    value: {
      version: 2,
      command: MuxCommand.Upd,
      streamId: 7,
      data: hex('00000100 00000400'),
    },
    // prettier-ignore
    bytes: hex(
      '02' +       // version 2
      '04' +       // cmd UPD
      '0800' +     // length 8
      '07000000' + // sid 7
      '00000100' + // consumed 65536 LE
      '00000400',  // window 262144 LE
    ),
  },
  {
    name: 'max-size PSH sid 5 (32768 data bytes)',
    value: { version: 1, command: MuxCommand.Psh, streamId: 5, data: maxData },
    bytes: Uint8Array.from([...maxHeader, ...maxData]),
  },
];

interface ErrorVector {
  name: string;
  bytes: Uint8Array;
  code: string;
}

const errorVectors: ErrorVector[] = [
  {
    name: 'version 3',
    bytes: hex('03 00 0000 03000000'),
    code: ProtocolErrorCode.MUX_INVALID_FRAME,
  },
  {
    name: 'version 2 on a v1 decoder',
    bytes: hex('02 02 0000 03000000'),
    code: ProtocolErrorCode.MUX_INVALID_FRAME,
  },
  {
    name: 'version 0',
    bytes: hex('00 03 0000 00000000'),
    code: ProtocolErrorCode.MUX_INVALID_FRAME,
  },
  { name: 'cmd 7', bytes: hex('01 07 0000 03000000'), code: ProtocolErrorCode.MUX_INVALID_FRAME },
  { name: 'cmd 5', bytes: hex('01 05 0000 03000000'), code: ProtocolErrorCode.MUX_INVALID_FRAME },
  {
    name: 'SYN with data length',
    bytes: hex('01 00 0100 03000000 ff'),
    code: ProtocolErrorCode.MUX_INVALID_FRAME,
  },
  {
    name: 'UPD with length 4',
    bytes: hex('01 04 0400 03000000 00000000'),
    code: ProtocolErrorCode.MUX_INVALID_FRAME,
  },
  {
    name: 'truncated PSH (header says 5, 2 given)',
    bytes: hex('01 02 0500 03000000 6865'),
    code: ProtocolErrorCode.TRUNCATED,
  },
  { name: 'truncated header', bytes: hex('01 02 05'), code: ProtocolErrorCode.TRUNCATED },
];

function decodeAll(bytes: Uint8Array, version: 1 | 2 = 1): MuxFrame[] {
  const decoder = new MuxDecoder({ version });
  const frames = [...decoder.decode(bytes)];
  decoder.end();
  return frames;
}

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('smux frame vectors', () => {
  describe.each(vectors)('$name', ({ value, bytes, version }) => {
    it('decodes', () => {
      expect(decodeAll(bytes, version)).toEqual([value]);
    });
    it('encodes to the exact bytes', () => {
      expect(encodeMuxFrame(value)).toEqual(bytes);
    });
    it('round-trips', () => {
      expect(decodeAll(encodeMuxFrame(value), version)).toEqual([value]);
      expect(referenceDecode(bytes)).toEqual([value]);
    });
    it(`describes itself`, () => {
      expect(describeMuxFrame(value)).toMatch(/^(SYN|FIN|PSH|NOP|UPD) v[12] sid=\d+ len=\d+/);
    });
  });

  describe.each(errorVectors)('error: $name', ({ bytes, code }) => {
    it(`throws ${code}`, () => {
      const error = catchError(() => decodeAll(bytes));
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(code);
    });
  });

  it('describes frames for logs', () => {
    expect(describeMuxFrame(vectors[1]!.value)).toBe('PSH v1 sid=3 len=5');
    expect(describeMuxFrame(vectors[7]!.value)).toBe(
      'UPD v2 sid=7 len=8 consumed=65536 window=262144',
    );
    expect(
      describeMuxFrame({ version: 1, command: 9 as MuxCommand, streamId: 1, data: empty }),
    ).toBe('cmd(9) v1 sid=1 len=0');
  });

  it('decodes and encodes UPD data', () => {
    expect(decodeUpdate(hex('00000100 00000400'))).toEqual({ consumed: 65_536, window: 262_144 });
    expect(encodeUpdate({ consumed: 0xffff_ffff, window: 1 })).toEqual(hex('ffffffff 01000000'));
    expect((catchError(() => decodeUpdate(hex('0000'))) as ProtocolError).code).toBe(
      ProtocolErrorCode.MUX_INVALID_FRAME,
    );
  });

  it('states the layout constants', () => {
    expect(MuxFrameLayout.HEADER_SIZE).toBe(8);
    expect(MuxDefaults).toMatchObject({
      version: 1,
      keepAliveIntervalMs: 10_000,
      keepAliveTimeoutMs: 30_000,
      maxFrameSize: 32_768,
      maxReceiveBuffer: 4_194_304,
      maxStreamBuffer: 65_536,
    });
  });

  it.each([
    ['version 3', { version: 3, command: MuxCommand.Syn, streamId: 1, data: empty }],
    ['command 5', { version: 1, command: 5 as MuxCommand, streamId: 1, data: empty }],
    ['negative sid', { version: 1, command: MuxCommand.Syn, streamId: -1, data: empty }],
    ['sid 2^32', { version: 1, command: MuxCommand.Syn, streamId: 2 ** 32, data: empty }],
    [
      'data 65536',
      { version: 1, command: MuxCommand.Psh, streamId: 1, data: new Uint8Array(65_536) },
    ],
  ])('encode rejects %s with ERR_PROTOCOL_INVALID_FIELD', (_name, frame) => {
    const error = catchError(() => encodeMuxFrame(frame));
    expect((error as ProtocolError).code).toBe(ProtocolErrorCode.INVALID_FIELD);
  });
});
