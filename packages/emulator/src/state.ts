/**
 * Mutable emulator state: issued credentials, sessions and their tokens, ECS tasks, target
 * online flags, faults and session preferences. Pure bookkeeping — no I/O and no timers: ECS task
 * transitions are computed from timestamps and the injected clock, so nothing needs cancelling.
 */
import { EventEmitter } from 'node:events';
import type { EmulatorClock } from './internal/clock.js';
import { randomHex, randomString } from './internal/ids.js';
import type {
  AwsvpcConfiguration,
  Faults,
  SessionPreferences,
  World,
  WorldTaskDefinition,
} from './world/schema.js';

/** Who signed a request. */
export interface Identity {
  /** `arn:aws:iam::<acct>:user/<name>` or `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn: string;
  accountId: string;
  /** GetCallerIdentity UserId (`AIDA…` or `AROA…:<session>`). */
  userId: string;
  /** Short name used as the SessionId prefix (user name or role session name). */
  name: string;
  /** The IAM principal used for trust and permission checks (role ARN for assumed roles). */
  principalArn: string;
}

/** A credential the emulator accepts (from the world or issued by AssumeRole). */
export interface AcceptedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms; absent = never expires. */
  expiresAt?: number;
  identity: Identity;
}

export const SessionStatus = {
  Connecting: 'Connecting',
  Connected: 'Connected',
  Disconnected: 'Disconnected',
  Terminating: 'Terminating',
  Terminated: 'Terminated',
  Failed: 'Failed',
} as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

/** Why a session ended (service side). */
export type SessionEndReason =
  'terminate-session' | 'admin' | 'idle-timeout' | 'max-duration' | 'target-gone';

/** One Session Manager session. */
export interface SessionRecord {
  sessionId: string;
  /** As given to StartSession (`i-…`, `mi-…`, `ecs:<cluster>_<task>_<runtime>`). */
  target: string;
  targetKind: 'instance' | 'ecs';
  /** Undefined for the default shell session. */
  documentName?: string;
  /** Document parameters with defaults applied (each value a list of strings, as on the wire). */
  parameters: Record<string, string[]>;
  reason?: string;
  /** Owner ARN (the caller's ARN). */
  owner: string;
  accountId: string;
  region: string;
  status: SessionStatus;
  /** Epoch ms. */
  startDate: number;
  endDate?: number;
  endReason?: SessionEndReason;
  /** Agent version of the target when the session started. */
  agentVersion: string;
  /** From the last accepted open frame. */
  clientId?: string;
  clientVersion?: string;
}

export interface StreamTokenRecord {
  sessionId: string;
  expiresAt: number;
  /** Issued by ResumeSession (a reconnect) rather than StartSession. */
  resumed: boolean;
}

export interface EcsContainerRecord {
  name: string;
  image: string;
  runtimeId: string;
  containerId: string;
}

/** One ECS task (run by RunTask or by a world service). */
export interface TaskRecord {
  taskId: string;
  clusterName: string;
  accountId: string;
  region: string;
  taskDefinition: WorldTaskDefinition;
  createdAt: number;
  launchType?: string;
  capacityProviderName?: string;
  group: string;
  startedBy?: string;
  enableExecuteCommand: boolean;
  tags: Array<{ key: string; value: string }>;
  overrides: unknown;
  networkConfiguration?: AwsvpcConfiguration;
  privateIpv4Address?: string;
  attachmentId: string;
  containers: EcsContainerRecord[];
  stopRequestedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
}

export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export interface EmulatorStateEvents {
  /** A session ended on the service side (TerminateSession, admin, timeouts). */
  'session-end': [session: SessionRecord, reason: SessionEndReason];
  /** A target went online/offline (admin API or ECS task lifecycle). */
  'target-status': [target: string, online: boolean];
  'faults-change': [faults: Faults];
  'preferences-change': [preferences: SessionPreferences];
}

/** Runtime options the data-channel service reads. */
export interface PaceOptions {
  /** Sleep 1 ms after every ≤1024-byte output message, like the real agent. */
  enabled: boolean;
}

export class EmulatorState extends EventEmitter<EmulatorStateEvents> {
  readonly world: World;
  readonly clock: EmulatorClock;
  readonly credentials = new Map<string, AcceptedCredential>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  /** Targets (instance ids or ecs:… strings) forced offline by the admin API. */
  readonly offlineTargets = new Set<string>();
  /** Targets forced online by the admin API (overrides `ssmOnline: false`). */
  readonly onlineTargets = new Set<string>();
  /** Parameters keyed by `<region>|<name>`; world parameters without a region use `*`. */
  readonly parameters = new Map<string, ParameterRecord>();
  faults: Faults;
  preferences: SessionPreferences;
  pace: PaceOptions;
  private readonly tokens = new Map<string, StreamTokenRecord>();

  constructor(
    world: World,
    clock: EmulatorClock,
    options: { pace?: boolean; faults?: Partial<Faults> } = {},
  ) {
    super();
    this.world = world;
    this.clock = clock;
    this.faults = { ...world.faults, ...options.faults };
    this.preferences = { ...world.sessionPreferences };
    this.pace = { enabled: options.pace ?? false };
    for (const credential of world.credentials) {
      this.credentials.set(credential.accessKeyId, {
        accessKeyId: credential.accessKeyId,
        secretAccessKey: credential.secretAccessKey,
        ...(credential.sessionToken === undefined ? {} : { sessionToken: credential.sessionToken }),
        ...(credential.expiration === undefined
          ? {}
          : { expiresAt: Date.parse(credential.expiration) }),
        identity: identityFromArn(
          credential.arn,
          credential.accountId,
          credential.userId,
          credential.accessKeyId,
        ),
      });
    }
    const now = clock.now();
    for (const parameter of world.parameters) {
      this.parameters.set(`${parameter.region ?? '*'}|${parameter.name}`, {
        name: parameter.name,
        type: parameter.type,
        value: parameter.value,
        version: 1,
        lastModifiedDate: now,
        ...(parameter.description === undefined ? {} : { description: parameter.description }),
      });
    }
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** Issues a single-use TokenValue for the session's data channel. */
  issueStreamToken(sessionId: string, token: string, resumed = false): void {
    this.pruneTokens();
    this.tokens.set(token, {
      sessionId,
      expiresAt: this.clock.now() + this.preferences.tokenTtlSeconds * 1000,
      resumed,
    });
  }

  /**
   * Consumes a token: returns the session id if the token exists, is unexpired and belongs to
   * `sessionId`; the token is spent either way.
   */
  consumeStreamToken(
    token: string,
    sessionId: string,
  ): { ok: true; resumed: boolean } | { ok: false; reason: string } {
    const record = this.tokens.get(token);
    if (record === undefined) return { ok: false, reason: 'unknown or already used token' };
    this.tokens.delete(token);
    if (record.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired token' };
    if (record.sessionId !== sessionId)
      return { ok: false, reason: 'token issued for another session' };
    return { ok: true, resumed: record.resumed };
  }

  private pruneTokens(): void {
    const now = this.clock.now();
    for (const [token, record] of this.tokens)
      if (record.expiresAt <= now) this.tokens.delete(token);
  }

  // ---- sessions -----------------------------------------------------------------------------

  /** Terminates a session (idempotent). Emits `session-end` the first time. */
  endSession(sessionId: string, reason: SessionEndReason): SessionRecord | undefined {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return undefined;
    if (session.status === SessionStatus.Terminated || session.status === SessionStatus.Failed)
      return session;
    session.status = SessionStatus.Terminated;
    session.endDate = this.clock.now();
    session.endReason = reason;
    for (const [token, record] of this.tokens)
      if (record.sessionId === sessionId) this.tokens.delete(token);
    this.emit('session-end', session, reason);
    return session;
  }

  /** Called by the data-channel service when a client socket opens or drops. */
  setSessionConnected(sessionId: string, connected: boolean): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined || session.status === SessionStatus.Terminated) return;
    session.status = connected ? SessionStatus.Connected : SessionStatus.Disconnected;
  }

  isSessionActive(session: SessionRecord): boolean {
    return session.status !== SessionStatus.Terminated && session.status !== SessionStatus.Failed;
  }

  // ---- targets ------------------------------------------------------------------------------

  /** Forces a target online/offline (admin API). Emits `target-status`. */
  setTargetOnline(target: string, online: boolean): void {
    if (online) {
      this.offlineTargets.delete(target);
      this.onlineTargets.add(target);
    } else {
      this.onlineTargets.delete(target);
      this.offlineTargets.add(target);
    }
    this.emit('target-status', target, online);
  }

  isInstanceOnline(instanceId: string): boolean {
    if (this.offlineTargets.has(instanceId)) return false;
    if (this.onlineTargets.has(instanceId)) return true;
    const instance = this.world.instances.find((candidate) => candidate.instanceId === instanceId);
    return instance !== undefined && instance.ssmOnline && instance.state === 'running';
  }

  // ---- ECS tasks ----------------------------------------------------------------------------

  taskStatus(task: TaskRecord): TaskStatus {
    const now = this.clock.now();
    const startup = this.world.ecs.taskStartup;
    if (task.stopRequestedAt !== undefined) {
      return now >= task.stopRequestedAt + startup.stoppedAfterMs ? 'STOPPED' : 'DEPROVISIONING';
    }
    const elapsed = now - task.createdAt;
    if (elapsed < startup.pendingAfterMs) return 'PROVISIONING';
    if (elapsed < startup.runningAfterMs) return 'PENDING';
    return 'RUNNING';
  }

  /** ExecuteCommandAgent lastStatus. */
  agentStatus(task: TaskRecord): 'PENDING' | 'RUNNING' | 'STOPPED' {
    const status = this.taskStatus(task);
    if (status === 'STOPPED' || status === 'DEPROVISIONING') return 'STOPPED';
    if (status !== 'RUNNING') return 'PENDING';
    const startup = this.world.ecs.taskStartup;
    const agentAt = task.createdAt + Math.max(startup.agentRunningAfterMs, startup.runningAfterMs);
    return this.clock.now() >= agentAt ? 'RUNNING' : 'PENDING';
  }

  /** Epoch ms when the task reached RUNNING (if it did). */
  taskStartedAt(task: TaskRecord): number | undefined {
    const at = task.createdAt + this.world.ecs.taskStartup.runningAfterMs;
    if (task.stopRequestedAt !== undefined && task.stopRequestedAt < at) return undefined;
    return at <= this.clock.now() ? at : undefined;
  }

  /** Finds the task and container for an `ecs:<cluster>_<taskId>_<runtimeId>` target. */
  findEcsTarget(target: string): { task: TaskRecord; container: EcsContainerRecord } | undefined {
    const match = /^ecs:(.+)_([0-9a-f]{32})_(.+)$/.exec(target);
    if (match === null) return undefined;
    const [, clusterName, taskId, runtimeId] = match;
    const task = this.tasks.get(taskId!);
    if (task === undefined || task.clusterName !== clusterName) return undefined;
    const container = task.containers.find((candidate) => candidate.runtimeId === runtimeId);
    return container === undefined ? undefined : { task, container };
  }

  isEcsTargetOnline(target: string): boolean {
    if (this.offlineTargets.has(target)) return false;
    const found = this.findEcsTarget(target);
    if (found === undefined) return false;
    return found.task.enableExecuteCommand && this.agentStatus(found.task) === 'RUNNING';
  }

  /** Creates a task record (RunTask and world services). */
  createTask(input: {
    clusterName: string;
    accountId: string;
    region: string;
    taskDefinition: WorldTaskDefinition;
    createdAt: number;
    group: string;
    launchType?: string;
    capacityProviderName?: string;
    startedBy?: string;
    enableExecuteCommand: boolean;
    tags: Array<{ key: string; value: string }>;
    overrides?: unknown;
    networkConfiguration?: AwsvpcConfiguration;
  }): TaskRecord {
    const taskId = randomHex(32);
    const octet = () => 1 + (Number.parseInt(randomHex(2), 16) % 250);
    const task: TaskRecord = {
      ...input,
      taskId,
      overrides: input.overrides ?? { containerOverrides: [], inferenceAcceleratorOverrides: [] },
      attachmentId: `${randomHex(8)}-${randomHex(4)}-${randomHex(4)}-${randomHex(4)}-${randomHex(12)}`,
      ...(input.taskDefinition.networkMode === 'awsvpc'
        ? { privateIpv4Address: `10.0.${octet()}.${octet()}` }
        : {}),
      containers: input.taskDefinition.containerDefinitions.map((definition) => ({
        name: definition.name,
        image: definition.image,
        runtimeId: `${taskId}-${randomString(10, '0123456789')}`,
        containerId: `${randomHex(8)}-${randomHex(4)}-${randomHex(4)}-${randomHex(4)}-${randomHex(12)}`,
      })),
    };
    this.tasks.set(taskId, task);
    return task;
  }

  // ---- faults & preferences -----------------------------------------------------------------

  setFaults(faults: Partial<Faults>): Faults {
    this.faults = { ...this.faults, ...faults };
    this.emit('faults-change', this.faults);
    return this.faults;
  }

  setPreferences(preferences: Partial<SessionPreferences>): SessionPreferences {
    this.preferences = { ...this.preferences, ...preferences };
    this.emit('preferences-change', this.preferences);
    return this.preferences;
  }
}

export interface ParameterRecord {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  value: string;
  version: number;
  lastModifiedDate: number;
  description?: string;
}

/** Builds an Identity from an IAM/STS ARN. */
export function identityFromArn(
  arn: string,
  accountId: string,
  userId: string | undefined,
  accessKeyId: string,
): Identity {
  const assumed = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed !== null) {
    const [, roleName, sessionName] = assumed;
    return {
      arn,
      accountId,
      userId: userId ?? `AROA${accessKeyId.slice(4, 20).toUpperCase()}:${sessionName}`,
      name: sessionName!,
      principalArn: `arn:aws:iam::${accountId}:role/${roleName}`,
    };
  }
  const name = arn.split('/').pop() ?? arn;
  return {
    arn,
    accountId,
    userId:
      userId ??
      `AIDA${accessKeyId
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, 'X')
        .padEnd(16, '0')
        .slice(0, 16)}`,
    name,
    principalArn: arn,
  };
}
