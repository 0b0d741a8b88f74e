import * as z from 'zod/v4';
import { _go, _goJsonBytes, _parseJsonPayload, _sortKeysDeep, _validateJson } from './go-json.js';

/** `ActionType` values of handshake actions (§6.2). */
export const ActionType = {
  SessionType: 'SessionType',
  KMSEncryption: 'KMSEncryption',
} as const;
/** A known handshake `ActionType`. */
export type ActionType = (typeof ActionType)[keyof typeof ActionType];

/** Session plugin names carried in the SessionType action (§6.2). */
export const SessionTypeName = {
  StandardStream: 'Standard_Stream',
  Port: 'Port',
  InteractiveCommands: 'InteractiveCommands',
  NonInteractiveCommands: 'NonInteractiveCommands',
} as const;
/** A known session plugin name. */
export type SessionTypeName = (typeof SessionTypeName)[keyof typeof SessionTypeName];

/** `ActionParameters` of the `SessionType` action. */
export interface SessionTypeActionParameters {
  /** `SessionType`: the session plugin name (see {@link SessionTypeName}). */
  sessionType: SessionTypeName | (string & {});
  /** `Properties`: the document's properties after parameter substitution, or `null` (shell). */
  properties: Record<string, unknown> | null;
}

/** `ActionParameters` of the `KMSEncryption` action. */
export interface KmsEncryptionActionParameters {
  /** `KMSKeyId`: key id or ARN for KMS GenerateDataKey. */
  kmsKeyId: string;
  /** `Challenge`: base64 of 16 random bytes (newer agents only, §6.4). */
  challenge?: string;
}

/** A `SessionType` action (always first in the request). */
export interface SessionTypeAction {
  actionType: 'SessionType';
  actionParameters: SessionTypeActionParameters;
}

/** A `KMSEncryption` action (shell-type sessions with a KMS key configured). */
export interface KmsEncryptionAction {
  actionType: 'KMSEncryption';
  actionParameters: KmsEncryptionActionParameters;
}

/** An action this library does not know; `actionParameters` is the raw JSON value. */
export interface UnknownClientAction {
  actionType: string;
  actionParameters: unknown;
}

/**
 * One entry of `RequestedClientActions` (§6.2). Narrow with {@link isSessionTypeAction} /
 * {@link isKmsEncryptionAction}: the decoder guarantees typed parameters for the known types.
 */
export type RequestedClientAction = SessionTypeAction | KmsEncryptionAction | UnknownClientAction;

/** HandshakeRequest payload (PayloadType 5, agent → client, §6.2). */
export interface HandshakeRequestPayload {
  /** `AgentVersion`: `a.b.c.d`; the client gates features on it (§7.1). */
  agentVersion: string;
  /** `RequestedClientActions`. */
  requestedClientActions: RequestedClientAction[];
}

/** True when `action` is a `SessionType` action. */
export function isSessionTypeAction(action: RequestedClientAction): action is SessionTypeAction {
  return action.actionType === ActionType.SessionType;
}

/** True when `action` is a `KMSEncryption` action. */
export function isKmsEncryptionAction(
  action: RequestedClientAction,
): action is KmsEncryptionAction {
  return action.actionType === ActionType.KMSEncryption;
}

const KIND = 'HandshakeRequest';

const requestSchema = z.object({
  AgentVersion: _go.string(),
  RequestedClientActions: z
    .array(z.object({ ActionType: _go.string(), ActionParameters: z.unknown() }))
    .nullish()
    .transform((value) => value ?? []),
});

const sessionTypeSchema = z.object({
  SessionType: _go.string(),
  // A plain JSON object kept as parsed (z.record would drop a "__proto__" key that Go keeps).
  Properties: z
    .custom<Record<string, unknown>>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
      { message: 'Invalid input: expected an object or null' },
    )
    .nullish()
    .transform((value) => value ?? null),
});

const kmsSchema = z.object({
  KMSKeyId: _go.string(),
  Challenge: z
    .string()
    .nullish()
    .transform((value) => value ?? undefined),
});

function encodeParameters(action: RequestedClientAction): unknown {
  if (isSessionTypeAction(action)) {
    const { sessionType, properties } = action.actionParameters;
    // Go marshals the properties map with sorted keys.
    return {
      SessionType: sessionType,
      Properties: properties === null ? null : _sortKeysDeep(properties),
    };
  }
  if (isKmsEncryptionAction(action)) {
    const { kmsKeyId, challenge } = action.actionParameters;
    return challenge === undefined
      ? { KMSKeyId: kmsKeyId }
      : { KMSKeyId: kmsKeyId, Challenge: challenge };
  }
  return action.actionParameters ?? null;
}

/**
 * Encodes a HandshakeRequest byte-exactly as the agent does (Go field order, `Properties` keys
 * sorted at every level).
 *
 * @example
 * ```ts
 * encodeHandshakeRequest({ agentVersion: '3.3.0.0', requestedClientActions: [
 *   { actionType: 'SessionType', actionParameters: { sessionType: 'Port', properties: { portNumber: '22' } } },
 * ] });
 * ```
 */
export function encodeHandshakeRequest(request: HandshakeRequestPayload): Uint8Array {
  return _goJsonBytes({
    AgentVersion: request.agentVersion,
    RequestedClientActions: request.requestedClientActions.map((action) => ({
      ActionType: action.actionType,
      ActionParameters: encodeParameters(action),
    })),
  });
}

/**
 * Decodes a HandshakeRequest. `SessionType` and `KMSEncryption` parameters are validated and
 * typed; other actions keep their raw parameters. Absent fields take Go zero values.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeHandshakeRequest(payload: Uint8Array): HandshakeRequestPayload {
  const data = _parseJsonPayload(KIND, payload, requestSchema);
  const requestedClientActions = data.RequestedClientActions.map(
    (action, index): RequestedClientAction => {
      const path = ['RequestedClientActions', index, 'ActionParameters'];
      if (action.ActionType === ActionType.SessionType) {
        const parameters = _validateJson(KIND, action.ActionParameters, sessionTypeSchema, path);
        return {
          actionType: ActionType.SessionType,
          actionParameters: {
            sessionType: parameters.SessionType,
            properties: parameters.Properties,
          },
        };
      }
      if (action.ActionType === ActionType.KMSEncryption) {
        const parameters = _validateJson(KIND, action.ActionParameters, kmsSchema, path);
        const actionParameters: KmsEncryptionActionParameters = { kmsKeyId: parameters.KMSKeyId };
        if (parameters.Challenge !== undefined) actionParameters.challenge = parameters.Challenge;
        return { actionType: ActionType.KMSEncryption, actionParameters };
      }
      return { actionType: action.ActionType, actionParameters: action.ActionParameters ?? null };
    },
  );
  return { agentVersion: data.AgentVersion, requestedClientActions };
}
