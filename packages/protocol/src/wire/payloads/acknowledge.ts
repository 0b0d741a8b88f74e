import * as z from 'zod/v4';
import { _go, _goJsonBytes, _parseJsonPayload } from './go-json.js';

/**
 * Payload of an `acknowledge` message (spec §4.2). Only
 * {@link AcknowledgeContent.acknowledgedMessageSequenceNumber} is used by receivers.
 */
export interface AcknowledgeContent {
  /** `AcknowledgedMessageType`: MessageType of the acknowledged message (`output_stream_data` / `input_stream_data`). */
  acknowledgedMessageType: string;
  /** `AcknowledgedMessageId`: canonical lower-case UUID of the acknowledged message. */
  acknowledgedMessageId: string;
  /** `AcknowledgedMessageSequenceNumber` (int64): the only field receivers match on. */
  acknowledgedMessageSequenceNumber: number;
  /** `IsSequentialMessage`: always `true` from both official implementations. */
  isSequentialMessage: boolean;
}

const schema = z.object({
  AcknowledgedMessageType: _go.string(),
  AcknowledgedMessageId: _go.string(),
  AcknowledgedMessageSequenceNumber: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  IsSequentialMessage: _go.bool(),
});

/**
 * Encodes an acknowledge payload with the Go field order of §4.2.
 *
 * @example
 * ```ts
 * encodeAcknowledge({
 *   acknowledgedMessageType: 'output_stream_data',
 *   acknowledgedMessageId: 'dd01e56b-ff48-483e-a508-b5f073f31b16',
 *   acknowledgedMessageSequenceNumber: 0,
 *   isSequentialMessage: true,
 * });
 * ```
 */
export function encodeAcknowledge(content: AcknowledgeContent): Uint8Array {
  return _goJsonBytes({
    AcknowledgedMessageType: content.acknowledgedMessageType,
    AcknowledgedMessageId: content.acknowledgedMessageId,
    AcknowledgedMessageSequenceNumber: content.acknowledgedMessageSequenceNumber,
    IsSequentialMessage: content.isSequentialMessage,
  });
}

/**
 * Decodes an acknowledge payload. `AcknowledgedMessageSequenceNumber` is required (a
 * non-negative safe integer); the other fields default to Go zero values when absent.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeAcknowledge(payload: Uint8Array): AcknowledgeContent {
  const data = _parseJsonPayload('acknowledge', payload, schema);
  return {
    acknowledgedMessageType: data.AcknowledgedMessageType,
    acknowledgedMessageId: data.AcknowledgedMessageId,
    acknowledgedMessageSequenceNumber: data.AcknowledgedMessageSequenceNumber,
    isSequentialMessage: data.IsSequentialMessage,
  };
}
