import { randomBytes } from 'node:crypto';
import {
  ActionStatus,
  ActionType,
  SessionTypeName,
  decodeKmsEncryptionActionResult,
} from '../wire/payloads/index.js';
import type {
  HandshakeRequestPayload,
  HandshakeResponsePayload,
  KmsEncryptionActionResult,
  RequestedClientAction,
} from '../wire/payloads/index.js';
import { SsmError } from '../errors/index.js';

/** Options of {@link buildHandshakeRequest}. */
export interface BuildHandshakeRequestOptions {
  /** `AgentVersion` to announce, e.g. `3.3.1142.0`. */
  agentVersion: string;
  /** Session plugin name (`Port`, `Standard_Stream`, …). */
  sessionType: string;
  /** Document properties after parameter substitution; `null` for a plain shell. */
  properties: Record<string, unknown> | null;
  /**
   * Request KMS encryption. Ignored for `Port` sessions, which the agent never encrypts
   * (notes item 28).
   */
  kms?: {
    /** `KMSKeyId`: key id or ARN. */
    kmsKeyId: string;
    /** `Challenge`: base64 of 16 random bytes; see {@link createKmsRequestChallenge}. Omitted when undefined. */
    challenge?: string;
  };
}

/**
 * Agent side: the HandshakeRequest (PayloadType 5) for a session, SessionType first, then
 * KMSEncryption when requested (spec §6.2).
 *
 * @example
 * ```ts
 * encodeHandshakeRequest(buildHandshakeRequest({ agentVersion: '3.3.1142.0', sessionType: 'Port',
 *   properties: { portNumber: '5432', type: 'LocalPortForwarding' } }));
 * ```
 */
export function buildHandshakeRequest(
  options: BuildHandshakeRequestOptions,
): HandshakeRequestPayload {
  const requestedClientActions: RequestedClientAction[] = [
    {
      actionType: ActionType.SessionType,
      actionParameters: { sessionType: options.sessionType, properties: options.properties },
    },
  ];
  if (options.kms !== undefined && options.sessionType !== SessionTypeName.Port) {
    const actionParameters: { kmsKeyId: string; challenge?: string } = {
      kmsKeyId: options.kms.kmsKeyId,
    };
    if (options.kms.challenge !== undefined) actionParameters.challenge = options.kms.challenge;
    requestedClientActions.push({ actionType: ActionType.KMSEncryption, actionParameters });
  }
  return { agentVersion: options.agentVersion, requestedClientActions };
}

/** A fresh KMSEncryption `Challenge` value: base64 of 16 random bytes. */
export function createKmsRequestChallenge(
  random: (length: number) => Uint8Array = randomBytes,
): string {
  return Buffer.from(random(16)).toString('base64');
}

/** Outcome of {@link evaluateHandshakeResponse}. */
export type HandshakeEvaluation =
  | {
      ok: true;
      /** The client's reported version, for `agentFeatureGates`. */
      clientVersion: string;
      /** The KMS result when KMS encryption was requested and accepted. */
      kmsResult: KmsEncryptionActionResult | undefined;
    }
  | {
      ok: false;
      /** Why the agent fails the session (suitable for logs and a HANDSHAKE_FAILED error). */
      reason: string;
      /** The client's reported version (may be empty). */
      clientVersion: string;
    };

/**
 * Agent side: checks a HandshakeResponse as the agent does (spec §6.3): any processed action
 * with ActionStatus ≠ 1 fails the session; a requested KMSEncryption needs a successful entry
 * with a readable `KMSCipherTextKey`. Unknown processed action types are ignored.
 *
 * @example
 * ```ts
 * const evaluation = evaluateHandshakeResponse(request, decodeHandshakeResponse(payload));
 * if (!evaluation.ok) throw new ProtocolError(ProtocolErrorCode.HANDSHAKE_FAILED, evaluation.reason);
 * ```
 */
export function evaluateHandshakeResponse(
  request: HandshakeRequestPayload,
  response: HandshakeResponsePayload,
): HandshakeEvaluation {
  const clientVersion = response.clientVersion;
  let kmsResult: KmsEncryptionActionResult | undefined;
  for (const action of response.processedClientActions) {
    if (action.actionStatus !== ActionStatus.Success) {
      const detail = action.error === '' ? '' : `: ${action.error}`;
      return {
        ok: false,
        clientVersion,
        reason: `${action.actionType} failed on client with status ${action.actionStatus}${detail}`,
      };
    }
    if (action.actionType === ActionType.KMSEncryption) {
      try {
        kmsResult = decodeKmsEncryptionActionResult(action.actionResult);
      } catch (error) {
        return {
          ok: false,
          clientVersion,
          reason: `KMSEncryption result is unreadable: ${SsmError.isInstance(error) ? error.message : String(error)}`,
        };
      }
    }
  }
  const kmsRequested = request.requestedClientActions.some(
    (action) => action.actionType === ActionType.KMSEncryption,
  );
  if (kmsRequested && (kmsResult === undefined || kmsResult.kmsCipherTextKey.byteLength === 0)) {
    return {
      ok: false,
      clientVersion,
      reason: 'KMSEncryption was requested but the client returned no KMSCipherTextKey',
    };
  }
  return { ok: true, clientVersion, kmsResult };
}
