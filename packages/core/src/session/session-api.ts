import {
  ResumeSessionCommand,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';
import type { AwsContext } from '../aws/aws-context.js';
import { AwsError } from '../errors/aws-error.js';
import { callAws, describeSdkError } from '../internal/call-aws.js';
import { sessionLog } from './session-log.js';

/** Session documents ssmkit starts (spec §1.2). */
export const SessionDocument = {
  /** A port on the target itself. */
  PORT_FORWARDING: 'AWS-StartPortForwardingSession',
  /** A host reachable from the target (RDS, ElastiCache, any VPC address). */
  PORT_FORWARDING_TO_REMOTE_HOST: 'AWS-StartPortForwardingSessionToRemoteHost',
  /** stdio forwarding to a port on the target, for ssh `ProxyCommand` (default port 22). */
  SSH: 'AWS-StartSSHSession',
} as const;

/** Input of {@link startSession}: the StartSession request (spec §1.1). */
export interface StartSessionInput {
  /** `i-…`, `mi-…` or `ecs:<cluster>_<taskId>_<runtimeId>`. */
  target: string;
  /** Session document, e.g. {@link SessionDocument.PORT_FORWARDING_TO_REMOTE_HOST}. */
  documentName: string;
  /** Document parameters; every value is a list of strings (`{ portNumber: ['5432'] }`). */
  parameters?: Record<string, string[]>;
  /** Audit text recorded with the session (1–256 characters, one line). */
  reason?: string;
  /** Abort the API call. */
  signal?: AbortSignal;
}

/**
 * What StartSession / ResumeSession return. `tokenValue` and `streamUrl` are secrets: never log
 * them (the StreamUrl query can carry presigned credentials).
 */
export interface SessionCredentials {
  /** The session id (`<caller>-<random>`). */
  sessionId: string;
  /** Single-use token for the open-data-channel frame. Empty ⇒ the session timed out (resume). */
  tokenValue: string;
  /** The data-channel WebSocket URL, used verbatim. Empty ⇒ keep the previous one (resume). */
  streamUrl: string;
}

/**
 * Calls SSM StartSession.
 *
 * @throws {@link AwsError} (`ERR_AWS_TARGET_NOT_CONNECTED`, `ERR_AWS_ACCESS_DENIED` naming
 *   `ssm:StartSession`, …).
 * @example
 * ```ts
 * const { sessionId } = await startSession(aws, {
 *   target: 'i-0123456789abcdef0',
 *   documentName: SessionDocument.PORT_FORWARDING_TO_REMOTE_HOST,
 *   parameters: { host: ['db.internal'], portNumber: ['5432'] },
 * });
 * ```
 */
export async function startSession(
  context: AwsContext,
  input: StartSessionInput,
): Promise<SessionCredentials> {
  const output = await callAws('ssm:StartSession', () =>
    context.ssm.send(
      new StartSessionCommand({
        Target: input.target,
        DocumentName: input.documentName,
        ...(input.parameters === undefined ? {} : { Parameters: input.parameters }),
        ...(input.reason === undefined ? {} : { Reason: input.reason }),
      }),
      input.signal === undefined ? {} : { abortSignal: input.signal },
    ),
  );
  if (!output.SessionId || !output.TokenValue || !output.StreamUrl) {
    throw new AwsError(
      'ERR_AWS_REQUEST_FAILED',
      'ssm:StartSession answered without SessionId, TokenValue or StreamUrl. Check the `endpoint` setting: it must point at Systems Manager.',
      { operation: 'ssm:StartSession' },
    );
  }
  sessionLog(
    'started session %s (target %s, %s)',
    output.SessionId,
    input.target,
    input.documentName,
  );
  return {
    sessionId: output.SessionId,
    tokenValue: output.TokenValue,
    streamUrl: output.StreamUrl,
  };
}

/**
 * Calls SSM ResumeSession for a fresh token (and possibly a new StreamUrl) to reconnect a session
 * whose WebSocket dropped. Resolves `undefined` when the session no longer exists
 * (`DoesNotExistException`): it was terminated or timed out.
 *
 * @throws {@link AwsError} for other failures.
 */
export async function resumeSession(
  context: AwsContext,
  sessionId: string,
  options: { signal?: AbortSignal } = {},
): Promise<SessionCredentials | undefined> {
  try {
    const output = await callAws('ssm:ResumeSession', () =>
      context.ssm.send(
        new ResumeSessionCommand({ SessionId: sessionId }),
        options.signal === undefined ? {} : { abortSignal: options.signal },
      ),
    );
    return {
      sessionId,
      tokenValue: output.TokenValue ?? '',
      streamUrl: output.StreamUrl ?? '',
    };
  } catch (error) {
    if (AwsError.isInstance(error) && error.awsErrorName === 'DoesNotExistException') {
      sessionLog('session %s no longer exists', sessionId);
      return undefined;
    }
    throw error;
  }
}

/**
 * Calls SSM TerminateSession. Idempotent on the AWS side; failures are returned as `false` and
 * logged, because terminating is always best effort on the way out.
 */
export async function terminateSession(context: AwsContext, sessionId: string): Promise<boolean> {
  try {
    await callAws('ssm:TerminateSession', () =>
      context.ssm.send(new TerminateSessionCommand({ SessionId: sessionId })),
    );
    sessionLog('terminated session %s', sessionId);
    return true;
  } catch (error) {
    const { name } = describeSdkError(error);
    sessionLog.error(
      'TerminateSession %s failed: %s',
      sessionId,
      (error as { code?: string }).code ?? name,
    );
    return false;
  }
}
