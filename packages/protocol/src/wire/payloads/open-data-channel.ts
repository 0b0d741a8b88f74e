import * as z from 'zod/v4';
import { _goJsonStringify, _parseJsonPayload } from './go-json.js';

/**
 * The open-data-channel JSON, sent as the first **text** WebSocket frame (spec §2). Carries the
 * session token: never log it.
 */
export interface OpenDataChannelRequest {
  /** `MessageSchemaVersion`: always `"1.0"`. */
  messageSchemaVersion: string;
  /** `RequestId`: fresh random UUID per open. */
  requestId: string;
  /** `TokenValue`: the StartSession/ResumeSession token. Secret. */
  tokenValue: string;
  /** `ClientId`: random UUID per client process, reused on reconnects. */
  clientId?: string;
  /** `ClientVersion`: the version the agent gates features on (client only; see §6.3). */
  clientVersion?: string;
  /** `ClientInstanceId`: the agent's own instance id (present only in the agent's open frame). */
  clientInstanceId?: string;
}

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);
const schema = z.object({
  MessageSchemaVersion: z.string(),
  RequestId: z.string(),
  TokenValue: z.string(),
  ClientId: optionalString,
  ClientVersion: optionalString,
  ClientInstanceId: optionalString,
});

/**
 * Encodes the open frame text with the Go field order: the client's `MessageSchemaVersion,
 * RequestId, TokenValue, ClientId, ClientVersion`, or, when `clientInstanceId` is set, the
 * agent's `MessageSchemaVersion, RequestId, TokenValue, ClientInstanceId, ClientId`. Optional
 * fields that are `undefined` are omitted.
 *
 * @example
 * ```ts
 * socket.send(encodeOpenDataChannel({ messageSchemaVersion: '1.0', requestId: randomUUID(),
 *   tokenValue, clientId, clientVersion: DEFAULT_CLIENT_VERSION }));
 * ```
 */
export function encodeOpenDataChannel(request: OpenDataChannelRequest): string {
  const out: Record<string, string> = {
    MessageSchemaVersion: request.messageSchemaVersion,
    RequestId: request.requestId,
    TokenValue: request.tokenValue,
  };
  if (request.clientInstanceId !== undefined) {
    out.ClientInstanceId = request.clientInstanceId;
    if (request.clientId !== undefined) out.ClientId = request.clientId;
    if (request.clientVersion !== undefined) out.ClientVersion = request.clientVersion;
  } else {
    if (request.clientId !== undefined) out.ClientId = request.clientId;
    if (request.clientVersion !== undefined) out.ClientVersion = request.clientVersion;
  }
  return _goJsonStringify(out);
}

/**
 * Decodes an open frame (text or its UTF-8 bytes). `MessageSchemaVersion`, `RequestId` and
 * `TokenValue` are required strings; error messages never contain the token.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeOpenDataChannel(text: string | Uint8Array): OpenDataChannelRequest {
  const data = _parseJsonPayload('open-data-channel', text, schema);
  const request: OpenDataChannelRequest = {
    messageSchemaVersion: data.MessageSchemaVersion,
    requestId: data.RequestId,
    tokenValue: data.TokenValue,
  };
  if (data.ClientId !== undefined) request.clientId = data.ClientId;
  if (data.ClientVersion !== undefined) request.clientVersion = data.ClientVersion;
  if (data.ClientInstanceId !== undefined) request.clientInstanceId = data.ClientInstanceId;
  return request;
}
