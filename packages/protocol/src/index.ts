/**
 * @ssmkit/protocol — the AWS Systems Manager Session Manager data channel in TypeScript.
 *
 * @packageDocumentation
 */

// --- errors ---------------------------------------------------------------------------------
export { SsmError, ProtocolError, ProtocolErrorCode } from './errors/index.js';
export type { SsmErrorOptions, TeardownReason } from './errors/index.js';

// --- time -----------------------------------------------------------------------------------
export { systemClock } from './clock.js';
export type { Clock, ClockTimer } from './clock.js';

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
export {
  encodeAcknowledge,
  decodeAcknowledge,
  encodeChannelClosed,
  decodeChannelClosed,
  encodeFlag,
  decodeFlag,
  FLAG_PAYLOAD_LENGTH,
  encodeSize,
  decodeSize,
  AgentSessionState,
  encodeAgentSessionState,
  decodeAgentSessionState,
  encodeEncryptionChallenge,
  decodeEncryptionChallenge,
  encodeOpenDataChannel,
  decodeOpenDataChannel,
  ActionType,
  SessionTypeName,
  isSessionTypeAction,
  isKmsEncryptionAction,
  encodeHandshakeRequest,
  decodeHandshakeRequest,
  ActionStatus,
  encodeHandshakeResponse,
  decodeHandshakeResponse,
  encodeKmsEncryptionActionResult,
  decodeKmsEncryptionActionResult,
  KMS_ENCRYPTED_CUSTOMER_MESSAGE,
  encodeHandshakeComplete,
  decodeHandshakeComplete,
} from './wire/payloads/index.js';
export type {
  AcknowledgeContent,
  ChannelClosedContent,
  TerminalSize,
  AgentSessionStateContent,
  EncryptionChallengePayload,
  OpenDataChannelRequest,
  SessionTypeActionParameters,
  KmsEncryptionActionParameters,
  SessionTypeAction,
  KmsEncryptionAction,
  UnknownClientAction,
  RequestedClientAction,
  HandshakeRequestPayload,
  ProcessedClientAction,
  HandshakeResponsePayload,
  KmsEncryptionActionResult,
  HandshakeCompletePayload,
} from './wire/payloads/index.js';

// --- handshake ------------------------------------------------------------------------------
export {
  compareAgentSideVersion,
  isVersionGreater,
  DEFAULT_CLIENT_VERSION,
  LOCAL_PORT_FORWARDING,
  ClientGateThresholds,
  AgentGateThresholds,
  clientFeatureGates,
  agentFeatureGates,
  choosePortMode,
  agentPortMode,
  isStdioPortSession,
  respondToHandshakeRequest,
  buildHandshakeRequest,
  createKmsRequestChallenge,
  evaluateHandshakeResponse,
  KMS_DATA_KEY_LENGTH,
  AES_KEY_LENGTH,
  AES_GCM_NONCE_LENGTH,
  AES_GCM_TAG_LENGTH,
  ENCRYPTION_CHALLENGE_LENGTH,
  EncryptedPayloadTypes,
  splitDataKey,
  encryptPayload,
  decryptPayload,
  answerEncryptionChallenge,
  createEncryptionChallenge,
  verifyEncryptionChallengeAnswer,
  isEncryptedPayloadType,
  keysForRole,
} from './handshake/index.js';
export type {
  ClientFeatureGates,
  AgentFeatureGates,
  ClientPortMode,
  AgentPortMode,
  KmsActionOutcome,
  RespondToHandshakeOptions,
  ClientSessionKind,
  HandshakeDecision,
  BuildHandshakeRequestOptions,
  HandshakeEvaluation,
  SessionKeys,
  EncryptionChallenge,
  EncryptionDirection,
} from './handshake/index.js';

// --- channel --------------------------------------------------------------------------------
export { ReliableChannel, RtoEstimator } from './channel/index.js';
export type {
  ChannelRole,
  RetransmissionPolicy,
  ReliableChannelOptions,
  ReliableChannelStats,
  ReliableChannelEvents,
} from './channel/index.js';

// --- mux ------------------------------------------------------------------------------------
/**
 * smux v1 (xtaci/smux v1.5.15/16), the stream multiplexer of multiplexed port forwarding
 * (spec §7.4): frame codec ({@link encodeMuxFrame}, {@link MuxDecoder}) and a session for
 * both roles ({@link MuxSession}, {@link MuxStream}).
 */
export {
  MuxCommand,
  MuxVersion,
  MuxFrameLayout,
  MuxDefaults,
  encodeMuxFrame,
  describeMuxFrame,
  describeMuxCommand,
  isMuxCommand,
  encodeUpdate,
  decodeUpdate,
  MuxDecoder,
  MuxSession,
  MuxStream,
} from './mux/index.js';
export type {
  MuxFrame,
  MuxUpdate,
  MuxDecoderOptions,
  MuxRole,
  MuxSessionOptions,
  MuxKeepAliveOptions,
  MuxSessionEvents,
} from './mux/index.js';

// --- data channels --------------------------------------------------------------------------
export type { DataChannelSocket, DataChannelSocketHandlers } from './socket.js';
export {
  DataChannelBase,
  ClientDataChannel,
  AgentDataChannel,
  createWsSocket,
  connectWebSocket,
  attachMuxClient,
  attachMuxServer,
  PortMuxSession,
} from './data-channel/index.js';
export type {
  DataChannelOptions,
  DataChannelEvents,
  DataConsumer,
  ReliabilityTuning,
  ClientDataChannelOptions,
  ClientDataChannelEvents,
  ClientAttachOptions,
  ClientHandshakeResult,
  AgentDataChannelOptions,
  AgentDataChannelEvents,
  AgentHandshakeOptions,
  AgentHandshakeResult,
  ChannelClosedOptions,
  ConnectWebSocketOptions,
  AttachMuxOptions,
} from './data-channel/index.js';
