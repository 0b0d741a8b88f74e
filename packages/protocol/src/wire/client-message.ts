import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { bytesEqual, sha256, toHex } from '../internal/sha256.js';
import { ClientMessageLayout as L, MessageType, SCHEMA_VERSION } from './constants.js';
import { readMessageId, writeMessageId } from './uuid.js';

/**
 * One binary data-channel frame (spec §3.1). The official agent calls the same layout
 * `AgentMessage`; it is byte-identical in both directions.
 */
export interface ClientMessage {
  /** `MessageType`: ASCII name such as `input_stream_data`, at most 32 bytes (§4). */
  messageType: string;
  /** `SchemaVersion`: always 1 on the wire today. */
  schemaVersion: number;
  /** `CreatedDate`: Unix epoch milliseconds (uint64). Must be non-zero. */
  createdDate: number;
  /** `SequenceNumber`: per-direction stream sequence (§5.1); 0 for non-stream messages. */
  sequenceNumber: number;
  /**
   * `Flags` (uint64): decorative, never read by receivers (§3.6). Values above 2^53 decode
   * lossily, which is harmless because nobody interprets them.
   */
  flags: number;
  /** `MessageId`: canonical lower-case hyphenated UUID; half-swapped on the wire (§3.4). */
  messageId: string;
  /** `PayloadDigest`: SHA-256 of `payload`, 32 raw bytes. */
  payloadDigest: Uint8Array;
  /** `PayloadType` (§3.5). Meaningless for HeaderLength-112 frames, which have no such field. */
  payloadType: number;
  /** The payload bytes (a view into the decoded frame; copy it if you keep it past the frame). */
  payload: Uint8Array;
}

/** What {@link encodeClientMessage} needs: `payloadDigest` is computed when omitted. */
export type ClientMessageInput = Omit<ClientMessage, 'payloadDigest'> & {
  payloadDigest?: Uint8Array;
};

/** Options of {@link decodeClientMessage}. */
export interface DecodeClientMessageOptions {
  /**
   * Verify SHA-256(payload) against PayloadDigest, as the official client does (skipped for
   * `start_publication`/`pause_publication` and when the PayloadLength field is 0).
   * @default true
   */
  verifyDigest?: boolean;
}

const encoder = new TextEncoder();
const typeCache = new Map<string, Uint8Array>();

function messageTypeBytes(messageType: string): Uint8Array {
  let bytes = typeCache.get(messageType);
  if (bytes !== undefined) return bytes;
  if (!/^[\x21-\x7e]+$/.test(messageType)) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_FIELD,
      `messageType must be 1–32 printable ASCII characters without spaces, got ${JSON.stringify(messageType.slice(0, 40))}`,
    );
  }
  if (messageType.length > L.MESSAGE_TYPE_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_FIELD,
      `messageType is ${messageType.length} bytes; the field holds at most ${L.MESSAGE_TYPE_LENGTH}`,
    );
  }
  bytes = new Uint8Array(L.MESSAGE_TYPE_LENGTH).fill(0x20);
  bytes.set(encoder.encode(messageType));
  if (typeCache.size < 64) typeCache.set(messageType, bytes);
  return bytes;
}

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_FIELD,
      `${name} must be an integer from 0 to ${max}, got ${String(value)}`,
    );
  }
}

/**
 * Encodes a frame exactly as the official implementations do: HeaderLength 116, MessageType
 * space-padded to 32 bytes, big-endian integers, half-swapped MessageId, SHA-256 digest.
 *
 * @example
 * ```ts
 * const bytes = encodeClientMessage({
 *   messageType: 'input_stream_data', schemaVersion: 1, createdDate: Date.now(),
 *   sequenceNumber: 0, flags: 0, messageId: crypto.randomUUID(), payloadType: 1,
 *   payload: new TextEncoder().encode('hello'),
 * });
 * ```
 */
export function encodeClientMessage(message: ClientMessageInput): Uint8Array {
  const { payload } = message;
  checkUint('schemaVersion', message.schemaVersion, 0xffff_ffff);
  checkUint('createdDate', message.createdDate, Number.MAX_SAFE_INTEGER);
  checkUint('sequenceNumber', message.sequenceNumber, Number.MAX_SAFE_INTEGER);
  checkUint('flags', message.flags, Number.MAX_SAFE_INTEGER);
  checkUint('payloadType', message.payloadType, 0xffff_ffff);
  const digest = message.payloadDigest ?? sha256(payload);
  if (digest.byteLength !== L.PAYLOAD_DIGEST_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_FIELD,
      `payloadDigest must be ${L.PAYLOAD_DIGEST_LENGTH} bytes, got ${digest.byteLength}`,
    );
  }
  const frame = new Uint8Array(L.PAYLOAD_OFFSET + payload.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(L.HEADER_LENGTH_OFFSET, L.HEADER_LENGTH);
  frame.set(messageTypeBytes(message.messageType), L.MESSAGE_TYPE_OFFSET);
  view.setUint32(L.SCHEMA_VERSION_OFFSET, message.schemaVersion);
  setUint64(view, L.CREATED_DATE_OFFSET, message.createdDate);
  setUint64(view, L.SEQUENCE_NUMBER_OFFSET, message.sequenceNumber);
  setUint64(view, L.FLAGS_OFFSET, message.flags);
  writeMessageId(frame, L.MESSAGE_ID_OFFSET, message.messageId);
  frame.set(digest, L.PAYLOAD_DIGEST_OFFSET);
  view.setUint32(L.PAYLOAD_TYPE_OFFSET, message.payloadType);
  view.setUint32(L.PAYLOAD_LENGTH_OFFSET, payload.byteLength);
  frame.set(payload, L.PAYLOAD_OFFSET);
  return frame;
}

/**
 * Big-endian uint64 of a value already checked to be a safe non-negative integer — the same bytes
 * as `setBigUint64(offset, BigInt(value))` (and `setBigInt64`, as it is non-negative), without a
 * BigInt per field per message.
 */
function setUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

/** Reads MessageType and trims NULs then whitespace from both ends (§3.3 rule 1). */
function readMessageType(frame: Uint8Array): string {
  let start = L.MESSAGE_TYPE_OFFSET;
  let end = L.MESSAGE_TYPE_OFFSET + L.MESSAGE_TYPE_LENGTH;
  while (start < end && frame[start] === 0) start++;
  while (end > start && frame[end - 1] === 0) end--;
  const isSpace = (byte: number | undefined): boolean =>
    byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
  while (start < end && isSpace(frame[start])) start++;
  while (end > start && isSpace(frame[end - 1])) end--;
  let out = '';
  for (let index = start; index < end; index++) out += String.fromCharCode(frame[index] ?? 0);
  return out;
}

function safeNumber(name: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_HEADER,
      `${name} ${value} is outside the supported range 0–${Number.MAX_SAFE_INTEGER}`,
    );
  }
  return Number(value);
}

/**
 * Decodes one frame with the official parsers' tolerance (§3.3): NUL or space padding on either
 * side of MessageType, HeaderLength 112 frames, payload = every byte after HeaderLength + 4.
 * Throws a {@link ProtocolError} for frames the official client rejects.
 */
export function decodeClientMessage(
  frame: Uint8Array,
  options: DecodeClientMessageOptions = {},
): ClientMessage {
  if (frame.byteLength < L.MIN_FRAME_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.FRAME_TOO_SHORT,
      `frame is ${frame.byteLength} bytes; a ClientMessage has at least ${L.MIN_FRAME_LENGTH}`,
    );
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(L.HEADER_LENGTH_OFFSET);
  if (headerLength < L.MIN_HEADER_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_HEADER,
      `HeaderLength is ${headerLength}; expected 116 (or 112 for service frames)`,
    );
  }
  if (headerLength + 4 > frame.byteLength) {
    throw new ProtocolError(
      ProtocolErrorCode.FRAME_TOO_SHORT,
      `HeaderLength ${headerLength} points past the end of a ${frame.byteLength}-byte frame`,
    );
  }
  const messageType = readMessageType(frame);
  const unvalidated =
    messageType === MessageType.StartPublication || messageType === MessageType.PausePublication;
  const createdDate = safeNumber('CreatedDate', view.getBigUint64(L.CREATED_DATE_OFFSET));
  if (!unvalidated) {
    if (messageType.length === 0) {
      throw new ProtocolError(ProtocolErrorCode.INVALID_HEADER, 'MessageType is empty');
    }
    if (createdDate === 0) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_HEADER,
        `CreatedDate is 0 in a ${messageType} frame; it must be epoch milliseconds`,
      );
    }
  }
  const sequenceNumber = view.getBigInt64(L.SEQUENCE_NUMBER_OFFSET);
  const flags = view.getBigUint64(L.FLAGS_OFFSET);
  const payloadDigest = frame.subarray(
    L.PAYLOAD_DIGEST_OFFSET,
    L.PAYLOAD_DIGEST_OFFSET + L.PAYLOAD_DIGEST_LENGTH,
  );
  const payload = frame.subarray(headerLength + 4);
  const messageId = readMessageId(frame, L.MESSAGE_ID_OFFSET);
  if (
    options.verifyDigest !== false &&
    !unvalidated &&
    view.getUint32(L.PAYLOAD_LENGTH_OFFSET) !== 0
  ) {
    const actual = sha256(payload);
    if (!bytesEqual(actual, payloadDigest)) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_DIGEST,
        `payload digest mismatch for message ${messageId} (${messageType}): expected ${toHex(payloadDigest)}, got ${toHex(actual)}`,
      );
    }
  }
  return {
    messageType,
    schemaVersion: view.getUint32(L.SCHEMA_VERSION_OFFSET),
    createdDate,
    sequenceNumber: safeNumber('SequenceNumber', sequenceNumber),
    flags: Number(flags),
    messageId,
    payloadDigest,
    payloadType: view.getUint32(L.PAYLOAD_TYPE_OFFSET),
    payload,
  };
}

/** One-line description of a frame for logs and test names (never includes payload bytes). */
export function describeClientMessage(message: ClientMessage): string {
  return `${message.messageType} seq=${message.sequenceNumber} type=${message.payloadType} len=${message.payload.byteLength} id=${message.messageId}`;
}

export { SCHEMA_VERSION };
