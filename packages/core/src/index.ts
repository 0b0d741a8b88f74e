/**
 * @ssmkit/core — AWS orchestration for Session Manager tunnels: credentials and region,
 * bastion (target) resolution including ephemeral Fargate bastions, and RDS/Aurora endpoints.
 *
 * @packageDocumentation
 */

// --- errors ---------------------------------------------------------------------------------
export {
  AwsError,
  AwsErrorCode,
  ConfigError,
  ConfigErrorCode,
  TargetError,
  TargetErrorCode,
  EndpointError,
  EndpointErrorCode,
} from './errors/index.js';
export type {
  AwsErrorOptions,
  ConfigErrorOptions,
  TargetErrorOptions,
  EndpointErrorOptions,
} from './errors/index.js';

// --- time -----------------------------------------------------------------------------------
export { systemClock } from './clock.js';
export type { Clock, ClockTimer } from './clock.js';

// --- aws ------------------------------------------------------------------------------------
export { createAwsContext } from './aws/aws-context.js';
export type {
  AwsClients,
  AwsContext,
  AwsContextOptions,
  CallerIdentity,
  MfaOptions,
} from './aws/aws-context.js';
export type { AwsCredentials, AwsCredentialProvider } from './aws/credentials.js';
export { memoizeCredentials } from './aws/memoize-credentials.js';
export type { MemoizeCredentialsOptions } from './aws/memoize-credentials.js';

// --- targets --------------------------------------------------------------------------------
export { resolveTarget } from './targets/resolve-target.js';
export type {
  ResolvedTarget,
  ResolveTargetOptions,
  TargetSource,
  TargetSpec,
} from './targets/resolve-target.js';
export type { AutoTargetSpec } from './targets/auto-target.js';
export {
  startEphemeralBastion,
  cleanupEphemeralBastions,
  ephemeralBastionDefaults,
  EphemeralTag,
  EPHEMERAL_STARTED_BY,
} from './targets/ephemeral-bastion.js';
export type {
  CleanupEphemeralBastionsOptions,
  EphemeralBastion,
  EphemeralBastionSpec,
  StartEphemeralBastionOptions,
} from './targets/ephemeral-bastion.js';
export { formatEcsTarget, parseEcsTarget, targetKindOf } from './targets/target-id.js';
export type { EcsTargetParts, TargetKind } from './targets/target-id.js';
export type { ProgressBase, ProgressListener, TargetProgressEvent } from './targets/progress.js';

// --- endpoints ------------------------------------------------------------------------------
export {
  createIamAuthToken,
  findDatabase,
  getDatabaseCredentials,
  listDatabases,
} from './endpoints/rds.js';
export type {
  CreateIamAuthTokenOptions,
  DatabaseCredentials,
  DatabaseEndpoint,
  DatabaseQuery,
  GetDatabaseCredentialsOptions,
} from './endpoints/rds.js';

// --- tunnels (added by the tunnel work) -----------------------------------------------------
// >>> tunnel work: sessions and tunnels (src/session, src/tunnel)
export { TunnelError, TunnelErrorCode } from './tunnel/tunnel-error.js';
export type { TunnelErrorOptions } from './tunnel/tunnel-error.js';
export { openPortTunnel } from './tunnel/port-tunnel.js';
export type { PortTunnel, PortTunnelOptions } from './tunnel/port-tunnel.js';
export { openStdioSession } from './tunnel/stdio-session.js';
export type {
  StdioSession,
  StdioSessionOptions,
  StdioSessionResult,
} from './tunnel/stdio-session.js';
export type { SessionOptionsBase } from './tunnel/tunnel-setup.js';
export type {
  TunnelEvent,
  TunnelEventMap,
  TunnelEventType,
  TunnelMode,
  TunnelStats,
} from './tunnel/tunnel-events.js';
export {
  SessionDocument,
  startSession,
  resumeSession,
  terminateSession,
} from './session/session-api.js';
export type { SessionCredentials, StartSessionInput } from './session/session-api.js';
export { backoffDelays, defaultReconnectPolicy } from './session/reconnect-policy.js';
export type { ReconnectPolicy } from './session/reconnect-policy.js';
export type {
  SessionEnd,
  SessionEndReason,
  WebSocketFactory,
} from './session/reconnecting-session.js';
// <<< tunnel work
