import * as z from 'zod/v4';
import { _go, _goJsonBytes, _parseJsonPayload } from './go-json.js';

/**
 * Payload of a `channel_closed` message (spec §4.4), sent by the service when the session ends.
 * Field order is the official client's struct; the agent's struct lacks `Output`.
 */
export interface ChannelClosedContent {
  /** `MessageId`: UUID string. */
  messageId: string;
  /** `CreatedDate`: a **string** here (unlike the binary header's integer). */
  createdDate: string;
  /** `DestinationId`: the target id. */
  destinationId: string;
  /** `SessionId`. */
  sessionId: string;
  /** `MessageType`: `channel_closed`. */
  messageType: string;
  /** `SchemaVersion`: 1. */
  schemaVersion: number;
  /** `Output`: human-readable reason; empty on a normal end, `''` when absent. */
  output: string;
}

const schema = z.object({
  MessageId: _go.string(),
  // Go declares a string; accept a number too and keep its decimal text.
  CreatedDate: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((value) => (value === null || value === undefined ? '' : String(value))),
  DestinationId: _go.string(),
  SessionId: _go.string(),
  MessageType: _go.string(),
  SchemaVersion: _go.int(),
  Output: _go.string(),
});

/**
 * Encodes a channel_closed payload in the official client's field order.
 *
 * @example
 * ```ts
 * encodeChannelClosed({ messageId, createdDate: String(Date.now()), destinationId: 'i-0123456789abcdef0',
 *   sessionId, messageType: 'channel_closed', schemaVersion: 1, output: '' });
 * ```
 */
export function encodeChannelClosed(content: ChannelClosedContent): Uint8Array {
  return _goJsonBytes({
    MessageId: content.messageId,
    CreatedDate: content.createdDate,
    DestinationId: content.destinationId,
    SessionId: content.sessionId,
    MessageType: content.messageType,
    SchemaVersion: content.schemaVersion,
    Output: content.output,
  });
}

/**
 * Decodes a channel_closed payload. Every field is optional (Go zero values), so the agent's
 * variant without `Output` decodes too.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeChannelClosed(payload: Uint8Array): ChannelClosedContent {
  const data = _parseJsonPayload('channel_closed', payload, schema);
  return {
    messageId: data.MessageId,
    createdDate: data.CreatedDate,
    destinationId: data.DestinationId,
    sessionId: data.SessionId,
    messageType: data.MessageType,
    schemaVersion: data.SchemaVersion,
    output: data.Output,
  };
}
