import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ProtocolErrorCode } from '../errors/index.js';
import { sha256 } from '../internal/sha256.js';
import { decodeClientMessage, encodeClientMessage } from './client-message.js';
import type { ClientMessage } from './client-message.js';
import { readMessageId, writeMessageId } from './uuid.js';
import { decodeAcknowledge, decodeChannelClosed } from './payloads/index.js';
import captures from './__fixtures__/captures.json' with { type: 'json' };
import {
  describeCodec,
  describeErrors,
  expectSsmError,
  hex,
  toHexString,
  utf8,
} from './__fixtures__/vectors.js';

const ID_A = 'dd01e56b-ff48-483e-a508-b5f073f31b16';
const ID_B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const CREATED = 1503434274948; // 0x0000015e0baa7884

function message(
  fields: Partial<ClientMessage> & Pick<ClientMessage, 'messageType' | 'payload'>,
): ClientMessage {
  return {
    schemaVersion: 1,
    createdDate: CREATED,
    sequenceNumber: 0,
    flags: 0,
    messageId: ID_A,
    payloadType: 0,
    payloadDigest: sha256(fields.payload),
    ...fields,
  };
}

const ACK_JSON =
  '{"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"dd01e56b-ff48-483e-a508-b5f073f31b16","AcknowledgedMessageSequenceNumber":0,"IsSequentialMessage":true}';
const CHANNEL_CLOSED_JSON =
  '{"MessageId":"dd01e56b-ff48-483e-a508-b5f073f31b16","CreatedDate":"1503434274948","DestinationId":"i-0123456789abcdef0","SessionId":"user-0123456789abcdef0","MessageType":"channel_closed","SchemaVersion":1,"Output":""}';

// ---- canonical vectors (spec §11, plus our own acknowledge frame) ---------------------------

const vectors = [
  {
    name: 'V1 input_stream_data seq 1 flags 2 "payload" (upstream round-trip test)',
    value: message({
      messageType: 'input_stream_data',
      sequenceNumber: 1,
      flags: 2,
      payload: utf8('payload'),
    }),
    bytes: hex(`
      00000074                                                         // HeaderLength 116
      696e7075745f73747265616d5f64617461202020202020202020202020202020 // MessageType, space padded
      00000001                                                         // SchemaVersion
      0000015e0baa7884                                                 // CreatedDate (ms)
      0000000000000001                                                 // SequenceNumber
      0000000000000002                                                 // Flags
      a508b5f073f31b16dd01e56bff48483e                                 // MessageId ID_A, halves swapped
      239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5 // PayloadDigest
      00000000                                                         // PayloadType 0
      00000007                                                         // PayloadLength
      7061796c6f6164                                                   // "payload"
    `),
  },
  {
    name: 'V2 output_stream_data seq 0 flags 1 Output "hello\\r\\n"',
    value: message({
      messageType: 'output_stream_data',
      flags: 1,
      payloadType: 1,
      payload: utf8('hello\r\n'),
    }),
    bytes: hex(`
      00000074                                                         // HeaderLength
      6f75747075745f73747265616d5f646174612020202020202020202020202020 // output_stream_data
      00000001 0000015e0baa7884                                        // SchemaVersion, CreatedDate
      0000000000000000 0000000000000001                                // SequenceNumber 0, Flags 1
      a508b5f073f31b16dd01e56bff48483e                                 // MessageId ID_A
      cd2eca3535741f27a8ae40c31b0c41d4057a7a7b912b33b9aed86485d1c84676 // PayloadDigest
      00000001 00000007                                                // PayloadType Output, length 7
      68656c6c6f0d0a                                                   // "hello\\r\\n"
    `),
  },
  {
    name: 'V4 Flag TerminateSession seq 5',
    value: message({
      messageType: 'input_stream_data',
      sequenceNumber: 5,
      messageId: ID_B,
      payloadType: 10,
      payload: hex('00000002'),
    }),
    bytes: hex(`
      00000074                                                         // HeaderLength
      696e7075745f73747265616d5f64617461202020202020202020202020202020 // input_stream_data
      00000001 0000015e0baa7884                                        // SchemaVersion, CreatedDate
      0000000000000005 0000000000000000                                // SequenceNumber 5, Flags 0
      944be07fc1f90ae77c9e6679742540de                                 // MessageId ID_B
      433ebf5bc03dffa38536673207a21281612cef5faa9bc7a4d5b9be2fdb12cf1a // PayloadDigest
      0000000a 00000004                                                // PayloadType Flag, length 4
      00000002                                                         // TerminateSession
    `),
  },
  {
    name: 'V5 Size 80x24',
    value: message({
      messageType: 'input_stream_data',
      messageId: ID_B,
      payloadType: 3,
      payload: utf8('{"cols":80,"rows":24}'),
    }),
    bytes: hex(`
      00000074                                                         // HeaderLength
      696e7075745f73747265616d5f64617461202020202020202020202020202020 // input_stream_data
      00000001 0000015e0baa7884                                        // SchemaVersion, CreatedDate
      0000000000000000 0000000000000000                                // SequenceNumber 0, Flags 0
      944be07fc1f90ae77c9e6679742540de                                 // MessageId ID_B
      d53ca1ea7dce87c11432052a8550ed2615cf715ca843c89710ed83325b691cba // PayloadDigest
      00000003 00000015                                                // PayloadType Size, length 21
      7b22636f6c73223a38302c22726f7773223a32347d                       // {"cols":80,"rows":24}
    `),
  },
  {
    name: 'acknowledge of output_stream_data seq 0 (ours)',
    value: message({
      messageType: 'acknowledge',
      flags: 3,
      messageId: ID_B,
      payload: utf8(ACK_JSON),
    }),
    bytes: hex(`
      00000074                                                         // HeaderLength
      61636b6e6f776c65646765202020202020202020202020202020202020202020 // acknowledge + 21 spaces
      00000001 0000015e0baa7884                                        // SchemaVersion, CreatedDate
      0000000000000000 0000000000000003                                // SequenceNumber 0, Flags 3
      944be07fc1f90ae77c9e6679742540de                                 // MessageId ID_B
      713a0a17057de630213f7292907ce38462812ea213a29366f537f68c6ab60e85 // PayloadDigest
      00000000 000000b0                                                // PayloadType 0, length 176
      ${toHexString(utf8(ACK_JSON))}                                   // acknowledge JSON
    `),
  },
];

describeCodec(
  'ClientMessage vectors',
  { encode: encodeClientMessage, decode: (bytes) => decodeClientMessage(bytes) },
  vectors,
);

test('the acknowledge vector payload decodes as §4.2', () => {
  const ack = vectors[4]!;
  expect(decodeAcknowledge(decodeClientMessage(ack.bytes).payload)).toEqual({
    acknowledgedMessageType: 'output_stream_data',
    acknowledgedMessageId: ID_A,
    acknowledgedMessageSequenceNumber: 0,
    isSequentialMessage: true,
  });
});

// ---- primitives (spec §11 "Primitive checks") -----------------------------------------------

describe('primitives', () => {
  function putLong(size: number, offset: number, value: bigint): string {
    const bytes = new Uint8Array(size);
    new DataView(bytes.buffer).setBigInt64(offset, value);
    return toHexString(bytes);
  }
  function putInteger(size: number, offset: number, value: number): string {
    const bytes = new Uint8Array(size);
    new DataView(bytes.buffer).setUint32(offset, value);
    return toHexString(bytes);
  }
  test.each([
    ['longToBytes(5747283)', putLong(8, 0, 5747283n), '000000000057b253'],
    ['putLong(92837273) at 1 of 10', putLong(10, 1, 92837273n), '00000000000588959900'],
    ['putLong(50)', putLong(8, 0, 50n), '0000000000000032'],
    ['putLong(4294967296)', putLong(8, 0, 4294967296n), '0000000100000000'],
    ['putInteger(324)', putInteger(4, 0, 324), '00000144'],
    ['putInteger(520392) at 1 of 8', putInteger(8, 1, 520392), '000007f0c8000000'],
    ['putInteger(256)', putInteger(4, 0, 256), '00000100'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  test('getLong(00000000005a0566) = 5899622', () => {
    expect(Number(new DataView(hex('00000000005a0566').buffer).getBigInt64(0))).toBe(5899622);
  });

  test.each([
    [ID_A, 'a508b5f073f31b16dd01e56bff48483e'],
    [ID_B, '944be07fc1f90ae77c9e6679742540de'],
  ])('UUID %s ↔ wire %s', (uuid, wire) => {
    const bytes = new Uint8Array(16);
    writeMessageId(bytes, 0, uuid);
    expect(toHexString(bytes)).toBe(wire);
    expect(readMessageId(hex(wire), 0)).toBe(uuid);
  });

  test('upper-case UUIDs encode and decode to lower case', () => {
    const bytes = new Uint8Array(16);
    writeMessageId(bytes, 0, ID_A.toUpperCase());
    expect(readMessageId(bytes, 0)).toBe(ID_A);
  });

  test.each([
    ['payload', '239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ])('SHA-256(%j)', (input, digest) => {
    expect(toHexString(sha256(utf8(input)))).toBe(digest);
  });

  test('getString strips NULs: 72 77 00 → "rw"', () => {
    const frame = Uint8Array.from(vectors[0]!.bytes);
    frame.fill(0, 4, 36);
    frame.set(hex('727700'), 4);
    expect(decodeClientMessage(frame, { verifyDigest: false }).messageType).toBe('rw');
  });
});

// ---- decode tolerance (§3.3) ----------------------------------------------------------------

/** 32-byte MessageType field: `name` at `offset`, the rest `fill`. */
function typeField(name: string, fill: number, offset = 0): string {
  const bytes = new Uint8Array(32).fill(fill);
  bytes.set(utf8(name), offset);
  return toHexString(bytes);
}

describe('decode tolerance', () => {
  test('channel_closed with HeaderLength 112 and NUL padding (service frame)', () => {
    const payload = utf8(CHANNEL_CLOSED_JSON);
    const frame = hex(`
      00000070                                                         // HeaderLength 112
      ${typeField('channel_closed', 0x00)}                             // channel_closed + 18 NULs
      00000001 0000015e0baa7884                                        // SchemaVersion, CreatedDate
      0000000000000000 0000000000000000                                // SequenceNumber, Flags
      a508b5f073f31b16dd01e56bff48483e                                 // MessageId ID_A
      9e6029f8e246f3ff3f5c44d71297934022b66563511d8c39454bbe07873f69c5 // PayloadDigest
      000000da                                                         // PayloadLength 218 (no PayloadType)
      ${toHexString(payload)}                                          // channel_closed JSON
    `);
    const decoded = decodeClientMessage(frame);
    expect(decoded.messageType).toBe('channel_closed');
    expect(decoded.payloadType).toBe(0xda); // the length field, read where PayloadType would be
    expect(toHexString(decoded.payload)).toBe(toHexString(payload));
    expect(decodeChannelClosed(decoded.payload)).toMatchObject({
      destinationId: 'i-0123456789abcdef0',
      createdDate: '1503434274948',
      output: '',
    });
  });

  test('left-NUL-padded MessageType (bertrandmartel JS client)', () => {
    const frame = encodeClientMessage(vectors[1]!.value);
    frame.set(hex(typeField('output_stream_data', 0x00, 32 - 'output_stream_data'.length)), 4);
    expect(decodeClientMessage(frame).messageType).toBe('output_stream_data');
  });

  test('NUL then space padding on both sides is trimmed', () => {
    const frame = encodeClientMessage(vectors[1]!.value);
    const field = new Uint8Array(32).fill(0x20);
    field[0] = 0;
    field[31] = 0;
    field.set(utf8('acknowledge'), 3);
    frame.set(field, 4);
    expect(decodeClientMessage(frame).messageType).toBe('acknowledge');
  });

  test('start_publication: garbage digest, CreatedDate 0 and odd PayloadType are not validated', () => {
    const frame = hex(`
      00000074                                                         // HeaderLength
      ${typeField('start_publication', 0x20)}                          // start_publication
      00000001 0000000000000000                                        // SchemaVersion, CreatedDate 0
      0000000000000000 0000000000000000                                // SequenceNumber, Flags
      a508b5f073f31b16dd01e56bff48483e                                 // MessageId
      ${'ab'.repeat(32)}                                               // garbage digest
      00000011 00000005                                                // PayloadType 17, length 5
      68656c6c6f                                                       // "hello"
    `);
    const decoded = decodeClientMessage(frame);
    expect(decoded.messageType).toBe('start_publication');
    expect(decoded.createdDate).toBe(0);
    expect(decoded.payloadType).toBe(17);
  });

  test('pause_publication with garbage digest is not validated', () => {
    const frame = encodeClientMessage(
      message({ messageType: 'pause_publication', payload: utf8('x') }),
    );
    frame.fill(0xee, 80, 112);
    expect(decodeClientMessage(frame).messageType).toBe('pause_publication');
  });

  test('PayloadLength 0 skips the digest check even with payload bytes', () => {
    const frame = encodeClientMessage(vectors[0]!.value);
    new DataView(frame.buffer).setUint32(116, 0);
    frame.fill(0, 80, 112);
    expect(toHexString(decodeClientMessage(frame).payload)).toBe(toHexString(utf8('payload')));
  });

  test('verifyDigest: false accepts a wrong digest', () => {
    const frame = encodeClientMessage(vectors[0]!.value);
    frame[80] = frame[80]! ^ 0xff;
    expect(decodeClientMessage(frame, { verifyDigest: false }).sequenceNumber).toBe(1);
  });

  test('HeaderLength larger than 116 moves the payload start', () => {
    const base = encodeClientMessage(vectors[0]!.value);
    const frame = new Uint8Array(base.length + 4);
    frame.set(base.subarray(0, 116));
    new DataView(frame.buffer).setUint32(0, 120);
    new DataView(frame.buffer).setUint32(120, 7);
    frame.set(utf8('payload'), 124);
    expect(toHexString(decodeClientMessage(frame).payload)).toBe(toHexString(utf8('payload')));
  });

  test('an empty payload is allowed on decode (length field 0)', () => {
    const frame = encodeClientMessage(
      message({ messageType: 'acknowledge', payload: new Uint8Array(0) }),
    );
    expect(frame.length).toBe(120);
    expect(decodeClientMessage(frame).payload.length).toBe(0);
  });
});

// ---- error vectors ---------------------------------------------------------------------------

function mutate(
  bytes: Uint8Array,
  change: (frame: Uint8Array, view: DataView) => void,
): Uint8Array {
  const frame = Uint8Array.from(bytes);
  change(frame, new DataView(frame.buffer));
  return frame;
}

const v1 = vectors[0]!.bytes;

describeErrors('decodeClientMessage errors', (bytes) => decodeClientMessage(bytes), [
  { name: 'empty frame', bytes: new Uint8Array(0), code: ProtocolErrorCode.FRAME_TOO_SHORT },
  { name: '119 bytes', bytes: v1.subarray(0, 119), code: ProtocolErrorCode.FRAME_TOO_SHORT },
  {
    name: 'HeaderLength + 4 beyond the frame',
    bytes: mutate(v1, (_frame, view) => view.setUint32(0, 200)),
    code: ProtocolErrorCode.FRAME_TOO_SHORT,
  },
  {
    name: 'HeaderLength 0',
    bytes: mutate(v1, (_frame, view) => view.setUint32(0, 0)),
    code: ProtocolErrorCode.INVALID_HEADER,
  },
  {
    name: 'HeaderLength 111',
    bytes: mutate(v1, (_frame, view) => view.setUint32(0, 111)),
    code: ProtocolErrorCode.INVALID_HEADER,
  },
  {
    name: 'empty MessageType (all spaces)',
    bytes: mutate(v1, (frame) => frame.fill(0x20, 4, 36)),
    code: ProtocolErrorCode.INVALID_HEADER,
    message: 'MessageType',
  },
  {
    name: 'empty MessageType (all NULs)',
    bytes: mutate(v1, (frame) => frame.fill(0, 4, 36)),
    code: ProtocolErrorCode.INVALID_HEADER,
  },
  {
    name: 'CreatedDate 0',
    bytes: mutate(v1, (_frame, view) => view.setBigUint64(40, 0n)),
    code: ProtocolErrorCode.INVALID_HEADER,
    message: 'CreatedDate',
  },
  {
    name: 'digest mismatch',
    bytes: mutate(v1, (frame) => (frame[111] = frame[111]! ^ 1)),
    code: ProtocolErrorCode.INVALID_DIGEST,
    message: ID_A,
  },
  {
    name: 'payload changed under a correct-looking digest',
    bytes: mutate(v1, (frame) => (frame[120] = 0x50)),
    code: ProtocolErrorCode.INVALID_DIGEST,
  },
]);

describe('encodeClientMessage errors', () => {
  const base = vectors[0]!.value;
  test.each([
    ['33-byte MessageType', { ...base, messageType: 'x'.repeat(33) }],
    ['MessageType with a space', { ...base, messageType: 'a b' }],
    ['empty MessageType', { ...base, messageType: '' }],
    ['bad UUID', { ...base, messageId: 'not-a-uuid' }],
    ['negative sequence', { ...base, sequenceNumber: -1 }],
    ['fractional createdDate', { ...base, createdDate: 1.5 }],
    ['31-byte digest', { ...base, payloadDigest: new Uint8Array(31) }],
  ])('%s → INVALID_FIELD', (_name, value) => {
    expectSsmError(() => encodeClientMessage(value), ProtocolErrorCode.INVALID_FIELD);
  });
});

// ---- real captured frames (spec §11b) --------------------------------------------------------

describe('captured frames (official client 1.2.677.0 ↔ agent 3.3.1142.0)', () => {
  const binaryFrames = captures.frames.filter((frame) => frame.dir !== 'client-open');
  test('fixture has the ten frames', () => {
    expect(captures.frames).toHaveLength(10);
  });
  test.each(binaryFrames.map((frame) => [frame.description, frame] as const))(
    '%s',
    (_description, frame) => {
      const bytes = hex(frame.hex);
      expect(bytes.length).toBe(frame.length);
      const decoded = decodeClientMessage(bytes);
      expect(decoded.schemaVersion).toBe(1);
      expect(new DataView(bytes.buffer).getUint32(0)).toBe(116);
      // Canonical (HL 116) frames re-encode to the identical bytes.
      expect(toHexString(encodeClientMessage(decoded))).toBe(frame.hex);
      // …and without the digest supplied (recomputed).
      const { payloadDigest: _digest, ...withoutDigest } = decoded;
      expect(toHexString(encodeClientMessage(withoutDigest))).toBe(frame.hex);
    },
  );
});

// ---- naive reference decoder (oracle) --------------------------------------------------------

/** Straightforward DataView reading of §3.1/§3.3, written independently of the codec. */
function referenceDecode(frame: Uint8Array): ClientMessage | 'error' {
  if (frame.length < 120) return 'error';
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(0);
  if (headerLength < 112 || headerLength + 4 > frame.length) return 'error';
  const raw = Array.from(frame.subarray(4, 36), (byte) => String.fromCharCode(byte)).join('');
  // Go: strings.Trim(s, "\x00") then strings.TrimSpace (ASCII whitespace only for single bytes).
  const messageType = raw
    // eslint-disable-next-line no-control-regex
    .replace(/^\x00+|\x00+$/g, '')
    .replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
  const createdDate = view.getBigUint64(40);
  const sequenceNumber = view.getBigInt64(48);
  const unvalidated = messageType === 'start_publication' || messageType === 'pause_publication';
  if (!unvalidated && (messageType === '' || createdDate === 0n)) return 'error';
  if (createdDate > BigInt(Number.MAX_SAFE_INTEGER)) return 'error';
  if (sequenceNumber < 0n || sequenceNumber > BigInt(Number.MAX_SAFE_INTEGER)) return 'error';
  const payload = frame.subarray(headerLength + 4);
  const digest = frame.subarray(80, 112);
  if (
    !unvalidated &&
    view.getUint32(116) !== 0 &&
    toHexString(sha256(payload)) !== toHexString(digest)
  ) {
    return 'error';
  }
  const idHex = toHexString(frame.subarray(72, 80)) + toHexString(frame.subarray(64, 72));
  const messageId = `${idHex.slice(0, 8)}-${idHex.slice(8, 12)}-${idHex.slice(12, 16)}-${idHex.slice(16, 20)}-${idHex.slice(20)}`;
  return {
    messageType,
    schemaVersion: view.getUint32(36),
    createdDate: Number(createdDate),
    sequenceNumber: Number(sequenceNumber),
    flags: Number(view.getBigUint64(56)),
    messageId,
    payloadDigest: digest,
    payloadType: view.getUint32(112),
    payload,
  };
}

function codecDecode(frame: Uint8Array): ClientMessage | 'error' {
  try {
    return decodeClientMessage(frame);
  } catch {
    return 'error';
  }
}

describe('reference decoder oracle', () => {
  test('agrees on every vector and capture', () => {
    for (const bytes of [
      ...vectors.map((vector) => vector.bytes),
      ...captures.frames.filter((f) => f.dir !== 'client-open').map((f) => hex(f.hex)),
    ]) {
      expect(codecDecode(bytes)).toEqual(referenceDecode(bytes));
    }
  });

  test('agrees on random frames with random header mutations', () => {
    const frameArbitrary = fc
      .record({
        messageType: fc.constantFrom(
          'input_stream_data',
          'output_stream_data',
          'acknowledge',
          'channel_closed',
          'start_publication',
          'pause_publication',
        ),
        payload: fc.uint8Array({ maxLength: 64 }),
        createdDate: fc.nat(),
        sequenceNumber: fc.nat(),
        messageId: fc.uuid(),
      })
      .map((fields) =>
        encodeClientMessage({ ...fields, schemaVersion: 1, flags: 0, payloadType: 1 }),
      );
    fc.assert(
      fc.property(
        frameArbitrary,
        fc.array(fc.tuple(fc.nat({ max: 130 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 4,
        }),
        fc.nat({ max: 200 }),
        (frame, changes, cut) => {
          const mutated = Uint8Array.from(frame);
          for (const [offset, value] of changes)
            if (offset < mutated.length) mutated[offset] = value;
          const candidate = cut % 4 === 0 ? mutated.subarray(0, cut) : mutated;
          expect(codecDecode(candidate)).toEqual(referenceDecode(candidate));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
