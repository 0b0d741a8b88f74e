import {
  ActionStatus,
  ActionType,
  SessionTypeName,
  encodeKmsEncryptionActionResult,
  isKmsEncryptionAction,
  isSessionTypeAction,
} from '../wire/payloads/index.js';
import type {
  HandshakeRequestPayload,
  HandshakeResponsePayload,
  KmsEncryptionActionParameters,
  KmsEncryptionActionResult,
  ProcessedClientAction,
} from '../wire/payloads/index.js';
import { DEFAULT_CLIENT_VERSION } from './feature-gates.js';
import type { SessionKeys } from './kms.js';

/** What a {@link RespondToHandshakeOptions.kms} handler returns after KMS GenerateDataKey. */
export interface KmsActionOutcome {
  /** Goes into the response's `ActionResult` (the CiphertextBlob, base64 on the wire). */
  actionResult: KmsEncryptionActionResult;
  /** The data key split with `splitDataKey(plaintext)`. */
  keys: SessionKeys;
}

/** Options of {@link respondToHandshakeRequest}. */
export interface RespondToHandshakeOptions {
  /** `ClientVersion` to report; the agent gates smux and keep-alive on it. @default DEFAULT_CLIENT_VERSION */
  clientVersion?: string;
  /**
   * Handles a `KMSEncryption` action: call KMS GenerateDataKey (64 bytes, encryption context
   * `aws:ssm:SessionId`/`aws:ssm:TargetId`) and return the ciphertext blob and split keys. When
   * absent, a KMS request fails the action (and so the session).
   */
  kms?: (parameters: KmsEncryptionActionParameters) => Promise<KmsActionOutcome>;
}

/** How the client will run the session, as decided by the SessionType action. */
export type ClientSessionKind = 'shell' | 'port';

/** Result of {@link respondToHandshakeRequest}. */
export interface HandshakeDecision {
  /** Send this as PayloadType 6 (HandshakeResponse). */
  response: HandshakeResponsePayload;
  /** True when every action succeeded (the agent will continue the session). */
  ok: boolean;
  /** `AgentVersion` from the request, for the feature gates. */
  agentVersion: string;
  /** The requested `SessionType`, when a SessionType action was present and recognised. */
  sessionType: string | undefined;
  /** `shell` for Standard_Stream/InteractiveCommands/NonInteractiveCommands, `port` for Port. */
  sessionKind: ClientSessionKind | undefined;
  /** The session properties (`null` for shells). */
  properties: Record<string, unknown> | null;
  /** Session keys when KMS encryption was set up; encryption starts after HandshakeComplete. */
  keys: SessionKeys | undefined;
}

const SHELL_TYPES: ReadonlySet<string> = new Set([
  SessionTypeName.StandardStream,
  SessionTypeName.InteractiveCommands,
  SessionTypeName.NonInteractiveCommands,
]);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Client side of the handshake (spec §6.3): processes every requested action like the official
 * client and builds the HandshakeResponse.
 *
 * - `SessionType`: shell and Port types succeed; others fail with ActionStatus 2 and
 *   `Failed to process action SessionType: Unknown session type <x>`.
 * - `KMSEncryption`: runs `options.kms`; a missing handler or a thrown error fails the action.
 * - Unknown action types: ActionStatus 3 (Unsupported), `Unsupported action <x>` (the official
 *   client leaves status 0 by mistake; the agent fails the session either way).
 *
 * `Errors` lists each failure's message, or is `null` when there is none.
 *
 * @example
 * ```ts
 * const decision = await respondToHandshakeRequest(decodeHandshakeRequest(payload), {
 *   clientVersion: DEFAULT_CLIENT_VERSION,
 * });
 * send(PayloadType.HandshakeResponse, encodeHandshakeResponse(decision.response));
 * ```
 */
export async function respondToHandshakeRequest(
  request: HandshakeRequestPayload,
  options: RespondToHandshakeOptions = {},
): Promise<HandshakeDecision> {
  const errors: string[] = [];
  const processedClientActions: ProcessedClientAction[] = [];
  let sessionType: string | undefined;
  let sessionKind: ClientSessionKind | undefined;
  let properties: Record<string, unknown> | null = null;
  let keys: SessionKeys | undefined;

  const fail = (actionType: string, message: string): ProcessedClientAction => {
    errors.push(message);
    return {
      actionType,
      actionStatus: ActionStatus.Failed,
      actionResult: null,
      error: `Failed to process action ${actionType}: ${message}`,
    };
  };

  for (const action of request.requestedClientActions) {
    if (isSessionTypeAction(action)) {
      const requested = action.actionParameters.sessionType;
      if (SHELL_TYPES.has(requested) || requested === SessionTypeName.Port) {
        sessionType = requested;
        sessionKind = requested === SessionTypeName.Port ? 'port' : 'shell';
        properties = action.actionParameters.properties;
        processedClientActions.push({
          actionType: ActionType.SessionType,
          actionStatus: ActionStatus.Success,
          actionResult: null,
          error: '',
        });
      } else {
        processedClientActions.push(
          fail(ActionType.SessionType, `Unknown session type ${requested}`),
        );
      }
    } else if (isKmsEncryptionAction(action)) {
      if (options.kms === undefined) {
        processedClientActions.push(
          fail(
            ActionType.KMSEncryption,
            'KMS encryption was requested but this client has no KMS handler configured',
          ),
        );
        continue;
      }
      try {
        const outcome = await options.kms(action.actionParameters);
        keys = outcome.keys;
        processedClientActions.push({
          actionType: ActionType.KMSEncryption,
          actionStatus: ActionStatus.Success,
          actionResult: encodeKmsEncryptionActionResult(outcome.actionResult),
          error: '',
        });
      } catch (error) {
        processedClientActions.push(fail(ActionType.KMSEncryption, errorText(error)));
      }
    } else {
      const message = `Unsupported action ${action.actionType}`;
      errors.push(message);
      processedClientActions.push({
        actionType: action.actionType,
        actionStatus: ActionStatus.Unsupported,
        actionResult: null,
        error: message,
      });
    }
  }

  return {
    response: {
      clientVersion: options.clientVersion ?? DEFAULT_CLIENT_VERSION,
      processedClientActions,
      errors: errors.length === 0 ? null : errors,
    },
    ok: processedClientActions.every((action) => action.actionStatus === ActionStatus.Success),
    agentVersion: request.agentVersion,
    sessionType,
    sessionKind,
    properties,
    keys,
  };
}
