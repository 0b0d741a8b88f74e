/**
 * Payload codecs of the Session Manager data channel (spec §2, §4, §6, §9). One file per payload
 * kind; JSON encoders reproduce Go's `encoding/json` output byte for byte.
 */
export { encodeAcknowledge, decodeAcknowledge } from './acknowledge.js';
export type { AcknowledgeContent } from './acknowledge.js';
export { encodeChannelClosed, decodeChannelClosed } from './channel-closed.js';
export type { ChannelClosedContent } from './channel-closed.js';
export { encodeFlag, decodeFlag, FLAG_PAYLOAD_LENGTH } from './flag.js';
export { encodeSize, decodeSize } from './size.js';
export type { TerminalSize } from './size.js';
export {
  AgentSessionState,
  encodeAgentSessionState,
  decodeAgentSessionState,
} from './agent-session-state.js';
export type { AgentSessionStateContent } from './agent-session-state.js';
export { encodeEncryptionChallenge, decodeEncryptionChallenge } from './encryption-challenge.js';
export type { EncryptionChallengePayload } from './encryption-challenge.js';
export { encodeOpenDataChannel, decodeOpenDataChannel } from './open-data-channel.js';
export type { OpenDataChannelRequest } from './open-data-channel.js';
export {
  ActionType,
  SessionTypeName,
  isSessionTypeAction,
  isKmsEncryptionAction,
  encodeHandshakeRequest,
  decodeHandshakeRequest,
} from './handshake-request.js';
export type {
  SessionTypeActionParameters,
  KmsEncryptionActionParameters,
  SessionTypeAction,
  KmsEncryptionAction,
  UnknownClientAction,
  RequestedClientAction,
  HandshakeRequestPayload,
} from './handshake-request.js';
export {
  ActionStatus,
  encodeHandshakeResponse,
  decodeHandshakeResponse,
  encodeKmsEncryptionActionResult,
  decodeKmsEncryptionActionResult,
} from './handshake-response.js';
export type {
  ProcessedClientAction,
  HandshakeResponsePayload,
  KmsEncryptionActionResult,
} from './handshake-response.js';
export {
  KMS_ENCRYPTED_CUSTOMER_MESSAGE,
  encodeHandshakeComplete,
  decodeHandshakeComplete,
} from './handshake-complete.js';
export type { HandshakeCompletePayload } from './handshake-complete.js';
