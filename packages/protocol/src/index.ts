/**
 * @ssmkit/protocol — the AWS Systems Manager Session Manager data channel in TypeScript.
 *
 * @packageDocumentation
 */

// --- errors ---------------------------------------------------------------------------------
export { SsmError, ProtocolError, ProtocolErrorCode } from './errors/index.js';
export type { SsmErrorOptions, TeardownReason } from './errors/index.js';

// --- wire -----------------------------------------------------------------------------------
export {
  ClientMessageLayout,
  MessageType,
  PayloadType,
  PayloadTypeFlag,
  MessageFlags,
  SCHEMA_VERSION,
  STREAM_CHUNK_SIZE,
  OPEN_DATA_CHANNEL_SCHEMA_VERSION,
  KEEPALIVE_PING_PAYLOAD,
  ReliabilityDefaults,
  TimeoutDefaults,
  IDLE_TIMEOUT_OUTPUT,
} from './wire/constants.js';
export {
  encodeClientMessage,
  decodeClientMessage,
  describeClientMessage,
} from './wire/client-message.js';
export type {
  ClientMessage,
  ClientMessageInput,
  DecodeClientMessageOptions,
} from './wire/client-message.js';
export { isUuid } from './wire/uuid.js';
// (wire payload codecs: added below by the wire work)

// --- handshake ------------------------------------------------------------------------------

// --- channel --------------------------------------------------------------------------------

// --- mux ------------------------------------------------------------------------------------

// --- data channels --------------------------------------------------------------------------
