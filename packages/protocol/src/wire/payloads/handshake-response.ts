import * as z from 'zod/v4';
import {
  _fromBase64,
  _go,
  _goJsonBytes,
  _isBase64,
  _parseJsonPayload,
  _toBase64,
  _validateJson,
} from './go-json.js';

/** `ActionStatus` of a processed handshake action (§6.3). */
export const ActionStatus = {
  Success: 1,
  Failed: 2,
  Unsupported: 3,
} as const;
/** A defined `ActionStatus` value. */
export type ActionStatus = (typeof ActionStatus)[keyof typeof ActionStatus];

/** One entry of `ProcessedClientActions` (§6.3). */
export interface ProcessedClientAction {
  /** `ActionType`: the same as the requested action's. */
  actionType: string;
  /** `ActionStatus`: see {@link ActionStatus}; anything but 1 fails the session. */
  actionStatus: number;
  /**
   * `ActionResult`: the raw JSON value (`null`, or for KMS the object built by
   * {@link encodeKmsEncryptionActionResult}). Object keys are written in insertion order.
   */
  actionResult: unknown;
  /** `Error`: `''` or a message. */
  error: string;
}

/** HandshakeResponse payload (PayloadType 6, client → agent, §6.3). */
export interface HandshakeResponsePayload {
  /** `ClientVersion`: the agent gates features on it (§6.3). */
  clientVersion: string;
  /** `ProcessedClientActions`: one per requested action. */
  processedClientActions: ProcessedClientAction[];
  /** `Errors`: `null` when there are none (Go nil slice). */
  errors: string[] | null;
}

/** The typed form of a successful `KMSEncryption` action's result (§6.4 step 3). */
export interface KmsEncryptionActionResult {
  /** `KMSCipherTextKey`: the CiphertextBlob from KMS GenerateDataKey. */
  kmsCipherTextKey: Uint8Array;
  /** `KMSCipherTextHash`: unused by the official client (`null`). */
  kmsCipherTextHash?: Uint8Array | null;
  /** `ChallengeAcknowledgement`: set when the RandomChallenge encryption context was used. */
  challengeAcknowledgement?: boolean;
}

const KIND = 'HandshakeResponse';

const responseSchema = z.object({
  ClientVersion: _go.string(),
  ProcessedClientActions: z
    .array(
      z.object({
        ActionType: _go.string(),
        ActionStatus: _go.int(-0x8000_0000, 0x7fff_ffff),
        ActionResult: z.unknown(),
        Error: _go.string(),
      }),
    )
    .nullish()
    .transform((value) => value ?? []),
  Errors: z
    .array(z.string())
    .nullish()
    .transform((value) => value ?? null),
});

const base64Bytes = z
  .string()
  .refine(_isBase64, { message: 'must be standard padded base64' })
  .nullish();

const kmsResultSchema = z.object({
  KMSCipherTextKey: base64Bytes,
  KMSCipherTextHash: base64Bytes,
  ChallengeAcknowledgement: z.boolean().nullish(),
});

/**
 * Encodes a HandshakeResponse byte-exactly as the official client does (Go field order).
 *
 * @example
 * ```ts
 * encodeHandshakeResponse({ clientVersion: DEFAULT_CLIENT_VERSION, errors: null,
 *   processedClientActions: [{ actionType: 'SessionType', actionStatus: ActionStatus.Success, actionResult: null, error: '' }] });
 * ```
 */
export function encodeHandshakeResponse(response: HandshakeResponsePayload): Uint8Array {
  return _goJsonBytes({
    ClientVersion: response.clientVersion,
    ProcessedClientActions: response.processedClientActions.map((action) => ({
      ActionType: action.actionType,
      ActionStatus: action.actionStatus,
      ActionResult: action.actionResult ?? null,
      Error: action.error,
    })),
    Errors: response.errors,
  });
}

/**
 * Decodes a HandshakeResponse. `ActionResult` stays a raw JSON value; use
 * {@link decodeKmsEncryptionActionResult} for KMS.
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeHandshakeResponse(payload: Uint8Array): HandshakeResponsePayload {
  const data = _parseJsonPayload(KIND, payload, responseSchema);
  return {
    clientVersion: data.ClientVersion,
    processedClientActions: data.ProcessedClientActions.map((action) => ({
      actionType: action.ActionType,
      actionStatus: action.ActionStatus,
      actionResult: action.ActionResult ?? null,
      error: action.Error,
    })),
    errors: data.Errors,
  };
}

/**
 * Builds the JSON `ActionResult` of a KMSEncryption action:
 * `{"KMSCipherTextKey":"<base64>","KMSCipherTextHash":null}` (+ `"ChallengeAcknowledgement":true`).
 */
export function encodeKmsEncryptionActionResult(
  result: KmsEncryptionActionResult,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    KMSCipherTextKey: _toBase64(result.kmsCipherTextKey),
    KMSCipherTextHash:
      result.kmsCipherTextHash === undefined || result.kmsCipherTextHash === null
        ? null
        : _toBase64(result.kmsCipherTextHash),
  };
  if (result.challengeAcknowledgement === true) out.ChallengeAcknowledgement = true;
  return out;
}

/**
 * Reads a KMSEncryption `ActionResult` (as decoded by {@link decodeHandshakeResponse}).
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_PAYLOAD`
 */
export function decodeKmsEncryptionActionResult(actionResult: unknown): KmsEncryptionActionResult {
  const data = _validateJson(KIND, actionResult, kmsResultSchema, ['ActionResult']);
  return {
    kmsCipherTextKey:
      data.KMSCipherTextKey === null || data.KMSCipherTextKey === undefined
        ? new Uint8Array(0)
        : _fromBase64(data.KMSCipherTextKey),
    kmsCipherTextHash:
      data.KMSCipherTextHash === null || data.KMSCipherTextHash === undefined
        ? null
        : _fromBase64(data.KMSCipherTextHash),
    challengeAcknowledgement: data.ChallengeAcknowledgement ?? false,
  };
}
