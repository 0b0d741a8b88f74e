/**
 * @ssmkit/node-api — `await openTunnel({ host, port })`: Session Manager tunnels to private AWS
 * resources for Node scripts, test setups and tools. No session-manager-plugin, no AWS CLI.
 *
 * Importing this package has no side effects: nothing is read, started or printed until you
 * call a function.
 *
 * @packageDocumentation
 */

// --- tunnels --------------------------------------------------------------------------------
export { openTunnel, withTunnel } from './tunnel.js';
export type { Tunnel } from './tunnel.js';
export { openTunnels } from './open-tunnels.js';
export type { OpenTunnelsOptions, TunnelGroup, TunnelSpec } from './open-tunnels.js';
export { openDatabaseTunnel } from './database-tunnel.js';
export type {
  DatabaseConnection,
  DatabaseTunnel,
  OpenDatabaseTunnelOptions,
} from './database-tunnel.js';
export { SSMKIT_TARGET_ENV } from './options.js';
export type { AwsOptions, OpenTunnelOptions } from './options.js';
export type { TunnelLogger } from './logger.js';

// --- errors (one base: SsmError; match on `code`) -------------------------------------------
export { SsmError } from '@ssmkit/protocol';
export {
  AwsError,
  AwsErrorCode,
  ConfigError,
  ConfigErrorCode,
  EndpointError,
  EndpointErrorCode,
  TargetError,
  TargetErrorCode,
  TunnelError,
  TunnelErrorCode,
} from '@ssmkit/core';

// --- re-exported from @ssmkit/core for sharing contexts and typing options -------------------
export { createAwsContext, resolveTarget } from '@ssmkit/core';
export type {
  AwsContext,
  AwsContextOptions,
  AwsCredentialProvider,
  AwsCredentials,
  DatabaseEndpoint,
  MfaOptions,
  ReconnectPolicy,
  ResolvedTarget,
  TargetSpec,
  TunnelEvent,
  TunnelEventMap,
  TunnelEventType,
  TunnelMode,
  TunnelStats,
} from '@ssmkit/core';
