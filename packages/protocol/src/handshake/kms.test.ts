import { describe, expect, test } from 'vitest';
import { ProtocolErrorCode } from '../errors/index.js';
import { PayloadType } from '../wire/constants.js';
import { decodeEncryptionChallenge, encodeEncryptionChallenge } from '../wire/payloads/index.js';
import { expectSsmError, hex, toHexString } from '../wire/__fixtures__/vectors.js';
import {
  answerEncryptionChallenge,
  createEncryptionChallenge,
  decryptPayload,
  encryptPayload,
  isEncryptedPayloadType,
  keysForRole,
  splitDataKey,
  verifyEncryptionChallengeAnswer,
} from './kms.js';

/** Data key 00 01 02 … 3f: agent half starts with 00, client half with 20. */
const DATA_KEY = Uint8Array.from({ length: 64 }, (_, index) => index);
const KEYS = splitDataKey(DATA_KEY);

describe('splitDataKey', () => {
  test('agent key = bytes 0–31, client key = bytes 32–63', () => {
    expect(toHexString(KEYS.agentKey)).toBe(toHexString(DATA_KEY.subarray(0, 32)));
    expect(toHexString(KEYS.clientKey)).toBe(toHexString(DATA_KEY.subarray(32, 64)));
    expect(KEYS.agentKey[0]).toBe(0x00);
    expect(KEYS.clientKey[0]).toBe(0x20);
  });
  test('copies, so later changes to the input do not leak in', () => {
    const input = Uint8Array.from(DATA_KEY);
    const keys = splitDataKey(input);
    input.fill(0xff);
    expect(keys.agentKey[1]).toBe(1);
  });
  test.each([0, 32, 63, 65])('%i-byte key → ENCRYPTION', (length) => {
    expectSsmError(() => splitDataKey(new Uint8Array(length)), ProtocolErrorCode.ENCRYPTION, '64');
  });
  test('keysForRole', () => {
    expect(keysForRole('client', KEYS)).toEqual({
      encryptKey: KEYS.clientKey,
      decryptKey: KEYS.agentKey,
    });
    expect(keysForRole('agent', KEYS)).toEqual({
      encryptKey: KEYS.agentKey,
      decryptKey: KEYS.clientKey,
    });
  });
});

describe('AES-256-GCM payloads', () => {
  const zeroKey = new Uint8Array(32);
  const zeroNonce = new Uint8Array(12);
  // Known answers: "The Galois/Counter Mode of Operation" test cases 13 and 14 (256-bit key, no AAD).
  test.each([
    {
      name: 'empty plaintext (test case 13)',
      plaintext: '',
      wire: '000000000000000000000000' + '530f8afbc74536b9a963b4f1c4cb738b',
    },
    {
      name: '16 zero bytes (test case 14)',
      plaintext: '00000000000000000000000000000000',
      wire:
        '000000000000000000000000' +
        'cea7403d4d606b6e074ec5d3baf39d18' +
        'd0d1c8a799996bf0265b98b5d48ab919',
    },
  ])('$name: nonce ‖ ciphertext ‖ tag', ({ plaintext, wire }) => {
    expect(toHexString(encryptPayload(zeroKey, hex(plaintext), zeroNonce))).toBe(wire);
    expect(toHexString(decryptPayload(zeroKey, hex(wire)))).toBe(plaintext);
  });

  test('round trip with a random nonce; 28 bytes overhead', () => {
    const plaintext = new TextEncoder().encode('hello, encrypted world');
    const wire = encryptPayload(KEYS.clientKey, plaintext);
    expect(wire.length).toBe(plaintext.length + 28);
    expect(toHexString(decryptPayload(KEYS.clientKey, wire))).toBe(toHexString(plaintext));
    expect(toHexString(encryptPayload(KEYS.clientKey, plaintext))).not.toBe(toHexString(wire));
  });

  const wire = encryptPayload(
    KEYS.agentKey,
    new TextEncoder().encode('tamper me'),
    new Uint8Array(12).fill(7),
  );
  test.each([
    ['nonce', 0],
    ['ciphertext', 12],
    ['tag', wire.length - 1],
  ])('tampered %s → ENCRYPTION', (_part, offset) => {
    const tampered = Uint8Array.from(wire);
    tampered[offset] = tampered[offset]! ^ 0x01;
    expectSsmError(
      () => decryptPayload(KEYS.agentKey, tampered),
      ProtocolErrorCode.ENCRYPTION,
      'authentication',
    );
  });
  test('wrong key (swapped halves) → ENCRYPTION', () => {
    expectSsmError(() => decryptPayload(KEYS.clientKey, wire), ProtocolErrorCode.ENCRYPTION);
  });
  test('shorter than nonce + tag → ENCRYPTION', () => {
    expectSsmError(
      () => decryptPayload(KEYS.agentKey, new Uint8Array(27)),
      ProtocolErrorCode.ENCRYPTION,
      '28',
    );
  });
  test('bad key or nonce length → ENCRYPTION', () => {
    expectSsmError(
      () => encryptPayload(new Uint8Array(16), new Uint8Array(1)),
      ProtocolErrorCode.ENCRYPTION,
    );
    expectSsmError(
      () => encryptPayload(KEYS.agentKey, new Uint8Array(1), new Uint8Array(16)),
      ProtocolErrorCode.ENCRYPTION,
    );
  });
});

describe('encryption challenge (agent ↔ client)', () => {
  test('agent challenge → client answer → agent verifies, through the wire JSON', () => {
    const challenge = createEncryptionChallenge(KEYS);
    expect(challenge.plaintext).toHaveLength(64);
    const request = decodeEncryptionChallenge(
      encodeEncryptionChallenge({ challenge: challenge.cipher }),
    );
    // the client only holds the same data key
    const clientKeys = splitDataKey(DATA_KEY);
    const answer = answerEncryptionChallenge(request.challenge, clientKeys);
    const response = decodeEncryptionChallenge(encodeEncryptionChallenge({ challenge: answer }));
    expect(verifyEncryptionChallengeAnswer(response.challenge, challenge, KEYS)).toBe(true);
    // the answer is encrypted with the client key, not the agent key
    expect(toHexString(decryptPayload(KEYS.clientKey, answer))).toBe(
      toHexString(challenge.plaintext),
    );
  });

  test('a client with swapped halves cannot answer', () => {
    const challenge = createEncryptionChallenge(KEYS);
    const swapped = { agentKey: KEYS.clientKey, clientKey: KEYS.agentKey };
    expectSsmError(
      () => answerEncryptionChallenge(challenge.cipher, swapped),
      ProtocolErrorCode.ENCRYPTION,
    );
  });

  test('echoing the challenge back, or a different plaintext, does not verify', () => {
    const challenge = createEncryptionChallenge(KEYS, (length) => new Uint8Array(length).fill(9));
    expect(verifyEncryptionChallengeAnswer(challenge.cipher, challenge, KEYS)).toBe(false);
    const other = encryptPayload(KEYS.clientKey, new Uint8Array(64).fill(8));
    expect(verifyEncryptionChallengeAnswer(other, challenge, KEYS)).toBe(false);
    expect(verifyEncryptionChallengeAnswer(new Uint8Array(3), challenge, KEYS)).toBe(false);
  });
});

describe('which payloads are encrypted (§6.4)', () => {
  test.each([
    ['client-to-agent', PayloadType.Output, true],
    ['client-to-agent', PayloadType.Size, false],
    ['client-to-agent', PayloadType.Flag, false],
    ['client-to-agent', PayloadType.HandshakeResponse, false],
    ['client-to-agent', PayloadType.EncChallengeResponse, false],
    ['client-to-agent', PayloadType.StdErr, false],
    ['agent-to-client', PayloadType.Output, true],
    ['agent-to-client', PayloadType.StdErr, true],
    ['agent-to-client', PayloadType.ExitCode, true],
    ['agent-to-client', PayloadType.HandshakeComplete, false],
    ['agent-to-client', PayloadType.Flag, false],
  ] as const)('%s PayloadType %i → %s', (direction, payloadType, expected) => {
    expect(isEncryptedPayloadType(direction, payloadType)).toBe(expected);
  });
});
