/**
 * @ssmkit/emulator — a local stand-in for AWS Session Manager and the APIs around it.
 *
 * @packageDocumentation
 */
export { startEmulator, DEFAULT_PORT } from './emulator.js';
export type { Emulator, StartEmulatorOptions } from './emulator.js';
export { EmulatorError, EmulatorErrorCode } from './errors.js';
export { EmulatorState, SessionStatus } from './state.js';
export type {
  AcceptedCredential,
  EcsContainerRecord,
  EmulatorStateEvents,
  Identity,
  PaceOptions,
  ParameterRecord,
  SessionEndReason,
  SessionRecord,
  TaskRecord,
  TaskStatus,
} from './state.js';
export type { EmulatorClock } from './internal/clock.js';
export { createHoldingDataChannelService } from './data-channel/data-channel-service.js';
export { createAgentDataChannelService } from './agent/agent-service.js';
export type {
  AgentDataChannelService,
  AgentServiceOptions,
  AgentSessionInfo,
} from './agent/agent-service.js';
export { withFaults } from './agent/fault-socket.js';
export type { FaultStats } from './agent/fault-socket.js';
export type {
  DataChannelConnection,
  DataChannelService,
  OpenDataChannelRequest,
} from './data-channel/data-channel-service.js';
export { CLOSE_INVALID_OPEN, DATA_CHANNEL_PATH } from './data-channel/upgrade.js';
export { snapshotState } from './admin/admin-api.js';
export {
  SESSION_DOCUMENTS,
  PORT_NUMBER_PATTERN,
  LOCAL_PORT_NUMBER_PATTERN,
  sessionDocument,
  sessionProperties,
} from './services/session-documents.js';
export type {
  SessionDocument,
  SessionType,
  DocumentParameter,
} from './services/session-documents.js';
export { resolveHostAlias } from './world/host-aliases.js';
export { createDefaultWorld, defaultWorldInput, DEFAULT_WORLD_IDS } from './world/default-world.js';
export { loadWorldFile, parseWorld } from './world/load-world.js';
export { worldSchema } from './world/schema.js';
export type {
  AwsvpcConfiguration,
  Faults,
  SessionPreferences,
  World,
  WorldCredential,
  WorldEcsCluster,
  WorldEcsService,
  WorldInput,
  WorldInstance,
  WorldParameter,
  WorldPermission,
  WorldRdsCluster,
  WorldRdsInstance,
  WorldRole,
  WorldSecret,
  WorldTaskDefinition,
} from './world/schema.js';
