/**
 * Pure pieces of KMS session encryption (spec §6.4): data-key split, AES-256-GCM payload format
 * and the encryption challenge. No KMS API calls: the 64-byte data key comes from the caller.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { bytesEqual } from '../internal/sha256.js';
import { PayloadType } from '../wire/constants.js';

/** Length of the KMS data key (GenerateDataKey `NumberOfBytes`). */
export const KMS_DATA_KEY_LENGTH = 64;
/** AES-256 key length. */
export const AES_KEY_LENGTH = 32;
/** AES-GCM nonce length, written before the ciphertext. */
export const AES_GCM_NONCE_LENGTH = 12;
/** AES-GCM tag length, written after the ciphertext. */
export const AES_GCM_TAG_LENGTH = 16;
/** Plaintext length of the agent's encryption challenge. */
export const ENCRYPTION_CHALLENGE_LENGTH = 64;

/** The two halves of the KMS data key. */
export interface SessionKeys {
  /** Bytes 0–31: the agent encrypts with it, the client decrypts with it. */
  agentKey: Uint8Array;
  /** Bytes 32–63: the client encrypts with it, the agent decrypts with it. */
  clientKey: Uint8Array;
}

/**
 * Splits the 64-byte KMS data key: **agent key = bytes 0–31, client key = bytes 32–63** (notes
 * item 30; swapping them is the classic bug).
 * @throws {ProtocolError} `ERR_PROTOCOL_ENCRYPTION` when the key is not 64 bytes.
 * @example
 * ```ts
 * const keys = splitDataKey(generateDataKeyOutput.Plaintext);
 * ```
 */
export function splitDataKey(plaintext: Uint8Array): SessionKeys {
  if (plaintext.byteLength !== KMS_DATA_KEY_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.ENCRYPTION,
      `KMS data key is ${plaintext.byteLength} bytes; expected ${KMS_DATA_KEY_LENGTH} (GenerateDataKey NumberOfBytes = 64)`,
      { reason: 'handshake' },
    );
  }
  return {
    agentKey: plaintext.slice(0, AES_KEY_LENGTH),
    clientKey: plaintext.slice(AES_KEY_LENGTH, KMS_DATA_KEY_LENGTH),
  };
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== AES_KEY_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.ENCRYPTION,
      `AES-256-GCM key is ${key.byteLength} bytes; expected ${AES_KEY_LENGTH}`,
    );
  }
}

/**
 * AES-256-GCM without additional data; returns `nonce (12) ‖ ciphertext ‖ tag (16)`.
 * @param nonce 12 bytes; random when omitted (pass one only in tests or a counter scheme).
 * @example
 * ```ts
 * const wire = encryptPayload(keys.clientKey, output);
 * ```
 */
export function encryptPayload(
  key: Uint8Array,
  plaintext: Uint8Array,
  nonce: Uint8Array = randomBytes(AES_GCM_NONCE_LENGTH),
): Uint8Array {
  checkKey(key);
  if (nonce.byteLength !== AES_GCM_NONCE_LENGTH) {
    throw new ProtocolError(
      ProtocolErrorCode.ENCRYPTION,
      `AES-GCM nonce is ${nonce.byteLength} bytes; expected ${AES_GCM_NONCE_LENGTH}`,
    );
  }
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: AES_GCM_TAG_LENGTH });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(AES_GCM_NONCE_LENGTH + body.byteLength + AES_GCM_TAG_LENGTH);
  out.set(nonce, 0);
  out.set(body, AES_GCM_NONCE_LENGTH);
  out.set(tag, AES_GCM_NONCE_LENGTH + body.byteLength);
  return out;
}

/**
 * Reverses {@link encryptPayload}.
 * @throws {ProtocolError} `ERR_PROTOCOL_ENCRYPTION` when `data` is shorter than 28 bytes or fails
 * authentication (wrong key, tampered bytes).
 */
export function decryptPayload(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  const overhead = AES_GCM_NONCE_LENGTH + AES_GCM_TAG_LENGTH;
  if (data.byteLength < overhead) {
    throw new ProtocolError(
      ProtocolErrorCode.ENCRYPTION,
      `encrypted payload is ${data.byteLength} bytes; AES-GCM needs at least ${overhead} (nonce + tag)`,
    );
  }
  const nonce = data.subarray(0, AES_GCM_NONCE_LENGTH);
  const body = data.subarray(AES_GCM_NONCE_LENGTH, data.byteLength - AES_GCM_TAG_LENGTH);
  const tag = data.subarray(data.byteLength - AES_GCM_TAG_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, {
      authTagLength: AES_GCM_TAG_LENGTH,
    });
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(body), decipher.final()]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  } catch (error) {
    throw new ProtocolError(
      ProtocolErrorCode.ENCRYPTION,
      `AES-GCM authentication failed for a ${data.byteLength}-byte payload: wrong key (check the agent/client key split) or corrupted data`,
      { cause: error },
    );
  }
}

/**
 * Client side of the encryption challenge (§6.4 step 5): decrypt the agent's challenge with the
 * agent key and re-encrypt the same bytes with the client key. Send the result as PayloadType 9.
 * @throws {ProtocolError} `ERR_PROTOCOL_ENCRYPTION` when the challenge does not decrypt.
 */
export function answerEncryptionChallenge(
  challengeCipher: Uint8Array,
  keys: SessionKeys,
): Uint8Array {
  return encryptPayload(keys.clientKey, decryptPayload(keys.agentKey, challengeCipher));
}

/** An agent-side encryption challenge: keep `plaintext`, send `cipher` as PayloadType 8. */
export interface EncryptionChallenge {
  /** The 64 random bytes the client must echo. */
  plaintext: Uint8Array;
  /** `plaintext` encrypted with the agent key. */
  cipher: Uint8Array;
}

/**
 * Agent side: 64 random bytes encrypted with the agent key (§6.4 step 5).
 * @param random for tests: returns `length` bytes.
 */
export function createEncryptionChallenge(
  keys: SessionKeys,
  random: (length: number) => Uint8Array = randomBytes,
): EncryptionChallenge {
  const plaintext = Uint8Array.from(random(ENCRYPTION_CHALLENGE_LENGTH));
  return { plaintext, cipher: encryptPayload(keys.agentKey, plaintext) };
}

/**
 * Agent side: true when the client's answer decrypts with the client key to the challenge
 * plaintext. Any decryption failure is a mismatch ("Encryption challenge does not match!").
 */
export function verifyEncryptionChallengeAnswer(
  answerCipher: Uint8Array,
  challenge: EncryptionChallenge,
  keys: SessionKeys,
): boolean {
  try {
    return bytesEqual(decryptPayload(keys.clientKey, answerCipher), challenge.plaintext);
  } catch {
    return false;
  }
}

/** Direction of a stream message. */
export type EncryptionDirection = 'client-to-agent' | 'agent-to-client';

/**
 * PayloadTypes encrypted once KMS encryption is active (§6.4): client → agent only Output;
 * agent → client Output, StdErr and ExitCode. Everything else (Size, Flag, handshake) is plain.
 */
export const EncryptedPayloadTypes: Readonly<Record<EncryptionDirection, readonly number[]>> = {
  'client-to-agent': [PayloadType.Output],
  'agent-to-client': [PayloadType.Output, PayloadType.StdErr, PayloadType.ExitCode],
};

/**
 * True when a stream message of `payloadType` sent in `direction` carries an encrypted payload
 * (when encryption is active).
 * @example
 * ```ts
 * isEncryptedPayloadType('client-to-agent', PayloadType.Size); // false
 * ```
 */
export function isEncryptedPayloadType(
  direction: EncryptionDirection,
  payloadType: number,
): boolean {
  return EncryptedPayloadTypes[direction].includes(payloadType);
}

/** Which key a role encrypts its outgoing payloads with, and which it decrypts incoming ones with. */
export function keysForRole(
  role: 'client' | 'agent',
  keys: SessionKeys,
): { encryptKey: Uint8Array; decryptKey: Uint8Array } {
  return role === 'client'
    ? { encryptKey: keys.clientKey, decryptKey: keys.agentKey }
    : { encryptKey: keys.agentKey, decryptKey: keys.clientKey };
}
