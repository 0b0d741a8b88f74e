/**
 * Property tests (conventions #8): decode(encode(x)) ≡ x, and no input makes a decoder throw
 * anything but an SsmError (a ProtocolError).
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ProtocolError, SsmError } from '../errors/index.js';
import { decodeClientMessage, encodeClientMessage } from './client-message.js';
import {
  decodeAcknowledge,
  decodeAgentSessionState,
  decodeChannelClosed,
  decodeEncryptionChallenge,
  decodeFlag,
  decodeHandshakeComplete,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  decodeKmsEncryptionActionResult,
  decodeOpenDataChannel,
  decodeSize,
  encodeAcknowledge,
  encodeAgentSessionState,
  encodeChannelClosed,
  encodeEncryptionChallenge,
  encodeFlag,
  encodeHandshakeComplete,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  encodeOpenDataChannel,
  encodeSize,
} from './payloads/index.js';
import type { HandshakeRequestPayload } from './payloads/index.js';

/** Runs `decode` and fails the property if it throws anything but a ProtocolError. */
function onlyProtocolErrors(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    expect(SsmError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(ProtocolError);
  }
}

const messageTypeArbitrary = fc.stringMatching(/^[\x21-\x7e]{1,32}$/);
const safeNat = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const messageArbitrary = fc.record({
  messageType: messageTypeArbitrary,
  schemaVersion: fc.integer({ min: 0, max: 0xffff_ffff }),
  createdDate: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  sequenceNumber: safeNat,
  flags: safeNat,
  messageId: fc.uuid(),
  payloadType: fc.integer({ min: 0, max: 0xffff_ffff }),
  payload: fc.uint8Array({ minLength: 0, maxLength: 2048 }),
});

describe('ClientMessage properties', () => {
  test.prop([messageArbitrary], { numRuns: 500 })('decode(encode(x)) ≡ x', (message) => {
    const frame = encodeClientMessage(message);
    expect(frame.length).toBe(120 + message.payload.length);
    const { payloadDigest, ...decoded } = decodeClientMessage(frame);
    expect(decoded).toEqual({ ...message, messageId: message.messageId.toLowerCase() });
    expect(payloadDigest).toHaveLength(32);
  });

  test.prop([fc.uint8Array({ maxLength: 400 })], { numRuns: 2_000 })(
    'arbitrary bytes only ever throw ProtocolError',
    (bytes) => {
      onlyProtocolErrors(() => decodeClientMessage(bytes));
      onlyProtocolErrors(() => decodeClientMessage(bytes, { verifyDigest: false }));
    },
  );

  test.prop(
    [
      messageArbitrary,
      fc.array(fc.tuple(fc.nat({ max: 2200 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.option(fc.nat({ max: 2200 })),
    ],
    { numRuns: 1_000 },
  )('mutated and truncated valid frames only ever throw ProtocolError', (message, changes, cut) => {
    const frame = encodeClientMessage(message);
    for (const [offset, value] of changes) frame[offset % frame.length] = value;
    const candidate = cut === null ? frame : frame.subarray(0, cut);
    onlyProtocolErrors(() => decodeClientMessage(candidate));
  });

  test.prop([fc.uint8Array({ minLength: 120, maxLength: 300 })], { numRuns: 1_000 })(
    'random 116-headed frames only ever throw ProtocolError',
    (bytes) => {
      new DataView(bytes.buffer).setUint32(0, 116);
      onlyProtocolErrors(() => decodeClientMessage(bytes));
    },
  );
});

// ---- payload decoders --------------------------------------------------------------------------

const decoders: readonly [string, (bytes: Uint8Array) => unknown][] = [
  ['acknowledge', decodeAcknowledge],
  ['channel_closed', decodeChannelClosed],
  ['Flag', decodeFlag],
  ['Size', decodeSize],
  ['agent_session_state', decodeAgentSessionState],
  ['EncryptionChallenge', decodeEncryptionChallenge],
  ['open-data-channel', decodeOpenDataChannel],
  ['HandshakeRequest', decodeHandshakeRequest],
  ['HandshakeResponse', decodeHandshakeResponse],
  ['HandshakeComplete', decodeHandshakeComplete],
];

const encoder = new TextEncoder();

/** JSON objects using the payloads' real field names with arbitrary values, to reach the validators. */
const fieldNames = [
  'AcknowledgedMessageType',
  'AcknowledgedMessageId',
  'AcknowledgedMessageSequenceNumber',
  'IsSequentialMessage',
  'MessageId',
  'CreatedDate',
  'DestinationId',
  'SessionId',
  'MessageType',
  'SchemaVersion',
  'Output',
  'cols',
  'rows',
  'SessionState',
  'Challenge',
  'MessageSchemaVersion',
  'RequestId',
  'TokenValue',
  'ClientId',
  'ClientVersion',
  'ClientInstanceId',
  'AgentVersion',
  'RequestedClientActions',
  'ActionType',
  'ActionParameters',
  'SessionType',
  'Properties',
  'KMSKeyId',
  'ProcessedClientActions',
  'ActionStatus',
  'ActionResult',
  'Error',
  'Errors',
  'HandshakeTimeToComplete',
  'CustomerMessage',
  'KMSCipherTextKey',
  'KMSCipherTextHash',
] as const;

const { shapedJson } = fc.letrec<{ shapedJson: unknown }>((tie) => ({
  shapedJson: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom('SessionType', 'KMSEncryption', 'Port', 'AAAA', '+/8='),
    fc.array(tie('shapedJson'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...fieldNames), tie('shapedJson'), { maxKeys: 6 }),
  ),
}));

describe('payload decoders never throw anything but ProtocolError', () => {
  test.prop([fc.uint8Array({ maxLength: 256 })], { numRuns: 500 })('arbitrary bytes', (bytes) => {
    for (const [, decode] of decoders) onlyProtocolErrors(() => decode(bytes));
  });

  test.prop([fc.json()], { numRuns: 500 })('arbitrary JSON', (json) => {
    const bytes = encoder.encode(json);
    for (const [, decode] of decoders) onlyProtocolErrors(() => decode(bytes));
  });

  test.prop([shapedJson], { numRuns: 2_000 })('JSON shaped like the payloads', (value) => {
    const bytes = encoder.encode(JSON.stringify(value));
    for (const [, decode] of decoders) onlyProtocolErrors(() => decode(bytes));
    onlyProtocolErrors(() => decodeKmsEncryptionActionResult(value));
  });
});

// ---- payload round trips ----------------------------------------------------------------------

const text = fc.string({ maxLength: 40, unit: 'grapheme' });

describe('payload round trips', () => {
  test.prop([
    fc.record({
      acknowledgedMessageType: text,
      acknowledgedMessageId: fc.uuid(),
      acknowledgedMessageSequenceNumber: safeNat,
      isSequentialMessage: fc.boolean(),
    }),
  ])('acknowledge', (value) => {
    expect(decodeAcknowledge(encodeAcknowledge(value))).toEqual(value);
  });

  test.prop([
    fc.record({
      messageId: fc.uuid(),
      createdDate: fc.nat().map(String),
      destinationId: text,
      sessionId: text,
      messageType: text,
      schemaVersion: fc.nat(),
      output: text,
    }),
  ])('channel_closed', (value) => {
    expect(decodeChannelClosed(encodeChannelClosed(value))).toEqual(value);
  });

  test.prop([fc.integer({ min: 0, max: 0xffff_ffff })])('Flag', (value) => {
    expect(decodeFlag(encodeFlag(value))).toBe(value);
  });

  test.prop([
    fc.record({
      cols: fc.integer({ min: 0, max: 0xffff_ffff }),
      rows: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
  ])('Size', (value) => {
    expect(decodeSize(encodeSize(value))).toEqual(value);
  });

  test.prop([fc.record({ schemaVersion: fc.nat(), sessionState: text, sessionId: text })])(
    'agent_session_state',
    (value) => {
      expect(decodeAgentSessionState(encodeAgentSessionState(value))).toEqual(value);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 200 })])('EncryptionChallenge', (challenge) => {
    expect(decodeEncryptionChallenge(encodeEncryptionChallenge({ challenge }))).toEqual({
      challenge,
    });
  });

  test.prop([
    fc.record(
      {
        messageSchemaVersion: text,
        requestId: fc.uuid(),
        tokenValue: text,
        clientId: fc.uuid(),
        clientVersion: text,
        clientInstanceId: text,
      },
      { requiredKeys: ['messageSchemaVersion', 'requestId', 'tokenValue'] },
    ),
  ])('open-data-channel', (value) => {
    expect(decodeOpenDataChannel(encodeOpenDataChannel(value))).toEqual(value);
  });

  const propertiesArbitrary = fc.option(
    fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
    { nil: null },
  );
  const requestArbitrary: fc.Arbitrary<HandshakeRequestPayload> = fc.record({
    agentVersion: text,
    requestedClientActions: fc.array(
      fc.oneof(
        fc.record({
          actionType: fc.constant('SessionType' as const),
          actionParameters: fc.record({ sessionType: text, properties: propertiesArbitrary }),
        }),
        fc.record({
          actionType: fc.constant('KMSEncryption' as const),
          actionParameters: fc.record(
            { kmsKeyId: text, challenge: fc.base64String() },
            { requiredKeys: ['kmsKeyId'] },
          ),
        }),
      ),
      { maxLength: 3 },
    ),
  });

  test.prop([requestArbitrary])('HandshakeRequest', (value) => {
    // JSON has no -0; normalise the expectation the way JSON.parse would.
    const expected: unknown = JSON.parse(JSON.stringify(value));
    expect(decodeHandshakeRequest(encodeHandshakeRequest(value))).toEqual(expected);
  });

  test.prop([
    fc.record({
      clientVersion: text,
      processedClientActions: fc.array(
        fc.record({
          actionType: text,
          actionStatus: fc.integer({ min: 0, max: 3 }),
          actionResult: fc.jsonValue({ maxDepth: 2 }),
          error: text,
        }),
        { maxLength: 3 },
      ),
      errors: fc.option(fc.array(text, { maxLength: 3 }), { nil: null }),
    }),
  ])('HandshakeResponse', (value) => {
    const expected: unknown = JSON.parse(JSON.stringify(value));
    expect(decodeHandshakeResponse(encodeHandshakeResponse(value))).toEqual(expected);
  });

  test.prop([fc.record({ handshakeTimeToComplete: safeNat, customerMessage: text })])(
    'HandshakeComplete',
    (value) => {
      expect(decodeHandshakeComplete(encodeHandshakeComplete(value))).toEqual(value);
    },
  );
});
