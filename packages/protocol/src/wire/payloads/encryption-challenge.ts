import * as z from 'zod/v4';
import { _fromBase64, _goJsonBytes, _isBase64, _parseJsonPayload, _toBase64 } from './go-json.js';

/**
 * Payload of PayloadType 8 (EncChallengeRequest, agent → client) and 9 (EncChallengeResponse,
 * client → agent), spec §6.4 step 5. `challenge` is an AES-GCM blob `nonce ‖ ciphertext ‖ tag`.
 */
export interface EncryptionChallengePayload {
  /** `Challenge` (`[]byte`, standard base64 in JSON). */
  challenge: Uint8Array;
}

const schema = z.object({
  Challenge: z
    .string()
    .refine(_isBase64, { message: 'must be standard padded base64' })
    .nullish()
    .transform((value) => (value === null || value === undefined ? '' : value)),
});

/**
 * Encodes `{"Challenge":"<std base64>"}`, used for both PayloadType 8 and 9.
 *
 * @example
 * ```ts
 * encodeEncryptionChallenge({ challenge: answerEncryptionChallenge(request.challenge, keys) });
 * ```
 */
export function encodeEncryptionChallenge(content: EncryptionChallengePayload): Uint8Array {
  return _goJsonBytes({ Challenge: _toBase64(content.challenge) });
}

/**
 * Decodes an EncChallengeRequest/Response payload. A missing or `null` `Challenge` decodes as
 * empty bytes (Go's nil slice).
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeEncryptionChallenge(payload: Uint8Array): EncryptionChallengePayload {
  const data = _parseJsonPayload('EncryptionChallenge', payload, schema);
  return { challenge: _fromBase64(data.Challenge) };
}
