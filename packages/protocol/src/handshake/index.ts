/** Handshake: version gates, session-type negotiation and KMS pieces (spec §6, §7.1). */
export { compareAgentSideVersion, isVersionGreater } from './version.js';
export {
  DEFAULT_CLIENT_VERSION,
  LOCAL_PORT_FORWARDING,
  ClientGateThresholds,
  AgentGateThresholds,
  clientFeatureGates,
  agentFeatureGates,
  choosePortMode,
  agentPortMode,
  isStdioPortSession,
} from './feature-gates.js';
export type {
  ClientFeatureGates,
  AgentFeatureGates,
  ClientPortMode,
  AgentPortMode,
} from './feature-gates.js';
export { respondToHandshakeRequest } from './client-handshake.js';
export type {
  KmsActionOutcome,
  RespondToHandshakeOptions,
  ClientSessionKind,
  HandshakeDecision,
} from './client-handshake.js';
export {
  buildHandshakeRequest,
  createKmsRequestChallenge,
  evaluateHandshakeResponse,
} from './agent-handshake.js';
export type { BuildHandshakeRequestOptions, HandshakeEvaluation } from './agent-handshake.js';
export {
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
} from './kms.js';
export type { SessionKeys, EncryptionChallenge, EncryptionDirection } from './kms.js';
