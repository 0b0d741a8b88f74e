/**
 * Wire vocabulary of the Session Manager data channel (spec/protocol.md §3–§5, Appendix B).
 * One file, so every offset, type name and constant is named once.
 */

/** Byte offsets and lengths of the binary ClientMessage header (§3.1). All integers big-endian. */
export const ClientMessageLayout = {
  HEADER_LENGTH_OFFSET: 0,
  MESSAGE_TYPE_OFFSET: 4,
  MESSAGE_TYPE_LENGTH: 32,
  SCHEMA_VERSION_OFFSET: 36,
  CREATED_DATE_OFFSET: 40,
  SEQUENCE_NUMBER_OFFSET: 48,
  FLAGS_OFFSET: 56,
  MESSAGE_ID_OFFSET: 64,
  MESSAGE_ID_LENGTH: 16,
  PAYLOAD_DIGEST_OFFSET: 80,
  PAYLOAD_DIGEST_LENGTH: 32,
  PAYLOAD_TYPE_OFFSET: 112,
  PAYLOAD_LENGTH_OFFSET: 116,
  PAYLOAD_OFFSET: 120,
  /** The HeaderLength both official implementations write: the offset of PayloadLength. */
  HEADER_LENGTH: 116,
  /** The smallest HeaderLength accepted on decode (service `channel_closed` frames use 112). */
  MIN_HEADER_LENGTH: 112,
  /** Frames shorter than this are rejected, as the official client does (§3.3 rule 5). */
  MIN_FRAME_LENGTH: 120,
} as const;

/** MessageType strings (§4). */
export const MessageType = {
  InputStreamData: 'input_stream_data',
  OutputStreamData: 'output_stream_data',
  Acknowledge: 'acknowledge',
  ChannelClosed: 'channel_closed',
  StartPublication: 'start_publication',
  PausePublication: 'pause_publication',
  AgentSessionState: 'agent_session_state',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** PayloadType values (§3.5). */
export const PayloadType = {
  /** Unset: acknowledge, channel_closed and agent_session_state frames. */
  Null: 0,
  Output: 1,
  Error: 2,
  Size: 3,
  Parameter: 4,
  HandshakeRequest: 5,
  HandshakeResponse: 6,
  HandshakeComplete: 7,
  EncChallengeRequest: 8,
  EncChallengeResponse: 9,
  Flag: 10,
  StdErr: 11,
  ExitCode: 12,
} as const;
export type PayloadType = (typeof PayloadType)[keyof typeof PayloadType];

/** Values carried by a PayloadType 10 (Flag) payload, a 4-byte big-endian uint32 (§3.5). */
export const PayloadTypeFlag = {
  /** Client, basic mode: the local TCP client closed; the agent closes its destination. */
  DisconnectToPort: 1,
  /** Client: end the port session. */
  TerminateSession: 2,
  /** Agent, mux mode: dialing the destination for a new stream failed. */
  ConnectToPortError: 3,
} as const;
export type PayloadTypeFlag = (typeof PayloadTypeFlag)[keyof typeof PayloadTypeFlag];

/** Header `Flags` values as the official implementations write them (§3.6). Receivers ignore them. */
export const MessageFlags = {
  /** Client `input_stream_data`, and agent `output_stream_data` after seq 0. */
  Data: 0,
  /** Agent `output_stream_data` with sequence number 0. */
  AgentFirst: 1,
  /** `acknowledge` and `agent_session_state`. */
  Ack: 3,
} as const;

/** The header SchemaVersion (§3.1). */
export const SCHEMA_VERSION = 1;

/** Largest stream payload either official side sends (§5, §7.4): reads are 1024 bytes. */
export const STREAM_CHUNK_SIZE = 1024;

/** `MessageSchemaVersion` of the open-data-channel text frame (§2). */
export const OPEN_DATA_CHANNEL_SCHEMA_VERSION = '1.0';

/** Payload of the WebSocket pings both official peers send (§2). */
export const KEEPALIVE_PING_PAYLOAD = 'keepalive';

/** Reliability constants (§5, Appendix B). Times are in milliseconds. */
export const ReliabilityDefaults = {
  initialRttMs: 100,
  initialRttVarianceMs: 0,
  initialRtoMs: 200,
  rttGain: 1 / 8,
  rttVarianceGain: 1 / 4,
  clockGranularityMs: 10,
  maxRtoMs: 1_000,
  resendIntervalMs: 100,
  /** Official client: give up (and call TerminateSession) after this many retransmissions. */
  clientMaxResendAttempts: 3_000,
  clientOutgoingBufferCapacity: 10_000,
  agentOutgoingBufferCapacity: 100_000,
  clientIncomingBufferCapacity: 10_000,
  agentIncomingBufferCapacity: 100_000,
} as const;

/** Timeouts of the handshake and the agent's WebSocket heartbeat (§2, §6.1, §10.2). */
export const TimeoutDefaults = {
  handshakeMs: 15_000,
  agentPingIntervalMs: 54_000,
  agentPongWaitMs: 60_000,
  clientPingIntervalMs: 5 * 60_000,
} as const;

/** The Output text of `channel_closed` when the service ends an idle session (§10.1). */
export const IDLE_TIMEOUT_OUTPUT =
  'Your session timed out due to inactivity and has been terminated.';
