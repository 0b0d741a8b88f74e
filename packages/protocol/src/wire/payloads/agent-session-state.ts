import * as z from 'zod/v4';
import { _go, _goJsonBytes, _parseJsonPayload } from './go-json.js';

/** `SessionState` values the agent sends (§4.5). */
export const AgentSessionState = {
  Connected: 'Connected',
  Terminating: 'Terminating',
} as const;
/** A known `SessionState` value. */
export type AgentSessionState = (typeof AgentSessionState)[keyof typeof AgentSessionState];

/** Payload of `agent_session_state` (agent → service, §4.5). Clients normally never see it. */
export interface AgentSessionStateContent {
  /** `SchemaVersion`: 1. */
  schemaVersion: number;
  /** `SessionState`: `Connected` after the agent opens its channel, `Terminating` when the shell ends. */
  sessionState: AgentSessionState | (string & {});
  /** `SessionId`. */
  sessionId: string;
}

const schema = z.object({
  SchemaVersion: _go.int(),
  SessionState: _go.string(),
  SessionId: _go.string(),
});

/**
 * Encodes an agent_session_state payload in the agent's field order.
 *
 * @example
 * ```ts
 * encodeAgentSessionState({ schemaVersion: 1, sessionState: 'Connected', sessionId });
 * ```
 */
export function encodeAgentSessionState(content: AgentSessionStateContent): Uint8Array {
  return _goJsonBytes({
    SchemaVersion: content.schemaVersion,
    SessionState: content.sessionState,
    SessionId: content.sessionId,
  });
}

/**
 * Decodes an agent_session_state payload (absent fields take Go zero values).
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeAgentSessionState(payload: Uint8Array): AgentSessionStateContent {
  const data = _parseJsonPayload('agent_session_state', payload, schema);
  return {
    schemaVersion: data.SchemaVersion,
    sessionState: data.SessionState,
    sessionId: data.SessionId,
  };
}
