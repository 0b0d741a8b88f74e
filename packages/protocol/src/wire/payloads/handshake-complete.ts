import * as z from 'zod/v4';
import { _go, _goJsonBytes, _parseJsonPayload } from './go-json.js';

/** Text the agent puts in `CustomerMessage` when KMS encryption is active (§6.4 step 6). */
export const KMS_ENCRYPTED_CUSTOMER_MESSAGE = 'This session is encrypted using AWS KMS.';

/** HandshakeComplete payload (PayloadType 7, agent → client, §6.5). */
export interface HandshakeCompletePayload {
  /** `HandshakeTimeToComplete`: a Go `time.Duration`, i.e. **nanoseconds**. */
  handshakeTimeToComplete: number;
  /** `CustomerMessage`: shown to the user when non-empty. */
  customerMessage: string;
}

const schema = z.object({
  HandshakeTimeToComplete: _go.int(),
  CustomerMessage: _go.string(),
});

/**
 * Encodes a HandshakeComplete in the agent's field order.
 *
 * @example
 * ```ts
 * encodeHandshakeComplete({ handshakeTimeToComplete: 1_500_000_000, customerMessage: '' });
 * ```
 */
export function encodeHandshakeComplete(content: HandshakeCompletePayload): Uint8Array {
  return _goJsonBytes({
    HandshakeTimeToComplete: content.handshakeTimeToComplete,
    CustomerMessage: content.customerMessage,
  });
}

/**
 * Decodes a HandshakeComplete (absent fields take Go zero values).
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeHandshakeComplete(payload: Uint8Array): HandshakeCompletePayload {
  const data = _parseJsonPayload('HandshakeComplete', payload, schema);
  return {
    handshakeTimeToComplete: data.HandshakeTimeToComplete,
    customerMessage: data.CustomerMessage,
  };
}
