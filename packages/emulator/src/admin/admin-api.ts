/**
 * `/_emulator/*`: an unauthenticated JSON API for tests and demos (the server listens on
 * loopback). Routes are listed in the README ("Admin API").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/v4';
import type { AgentDataChannelService } from '../agent/agent-service.js';
import type { DataChannelService } from '../data-channel/data-channel-service.js';
import type { EmulatorState } from '../state.js';
import { formatIssuePath } from '../world/load-world.js';
import { faultsSchema, sessionPreferencesSchema } from '../world/schema.js';

export interface AdminRequest {
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  state: EmulatorState;
  dataChannel: DataChannelService;
}

/** Patch schemas: the world schemas' fields, optional and without defaults (a patch never resets). */
const faultsPatch = z
  .object({
    drop: faultsSchema.shape.drop.unwrap().optional(),
    duplicate: faultsSchema.shape.duplicate.unwrap().optional(),
    reorder: faultsSchema.shape.reorder.unwrap().optional(),
    delayMs: faultsSchema.shape.delayMs.unwrap().optional(),
    delayJitterMs: faultsSchema.shape.delayJitterMs.unwrap().optional(),
    killSocketEveryMs: faultsSchema.shape.killSocketEveryMs.unwrap().optional(),
  })
  .strict();
const preferencesPatch = z
  .object({
    idleTimeoutMinutes: sessionPreferencesSchema.shape.idleTimeoutMinutes.unwrap().optional(),
    idleTimeoutSeconds: sessionPreferencesSchema.shape.idleTimeoutSeconds,
    maxSessionDurationSeconds: sessionPreferencesSchema.shape.maxSessionDurationSeconds,
    maxSessionDurationMinutes: sessionPreferencesSchema.shape.maxSessionDurationMinutes,
    tokenTtlSeconds: sessionPreferencesSchema.shape.tokenTtlSeconds.unwrap().optional(),
  })
  .strict();
const targetPatch = z.object({ online: z.boolean() }).strict();

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function parseBody<T extends object>(schema: z.ZodType<T>, body: Buffer): T | { error: string } {
  let json: unknown;
  try {
    json = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return { error: 'request body is not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) {
    // Drop keys that are present but undefined so a patch never overwrites with undefined.
    return Object.fromEntries(
      Object.entries(result.data).filter(([, value]) => value !== undefined),
    ) as T;
  }
  return {
    error: result.error.issues
      .map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`)
      .join('; '),
  };
}

function isError(value: unknown): value is { error: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'error' in value &&
    Object.keys(value).length === 1
  );
}

/** A JSON snapshot of the state (never tokens or secrets). */
export function snapshotState(state: EmulatorState): Record<string, unknown> {
  const now = state.clock.now();
  return {
    now: new Date(now).toISOString(),
    sessions: [...state.sessions.values()].map((session) => ({
      sessionId: session.sessionId,
      target: session.target,
      documentName: session.documentName ?? null,
      parameters: session.parameters,
      reason: session.reason ?? null,
      owner: session.owner,
      region: session.region,
      status: session.status,
      startDate: new Date(session.startDate).toISOString(),
      endDate: session.endDate === undefined ? null : new Date(session.endDate).toISOString(),
      endReason: session.endReason ?? null,
      clientId: session.clientId ?? null,
      clientVersion: session.clientVersion ?? null,
    })),
    tasks: [...state.tasks.values()].map((task) => ({
      taskId: task.taskId,
      cluster: task.clusterName,
      region: task.region,
      taskDefinition: `${task.taskDefinition.family}:${task.taskDefinition.revision}`,
      group: task.group,
      lastStatus: state.taskStatus(task),
      executeCommandAgent: task.enableExecuteCommand ? state.agentStatus(task) : null,
      targets: task.enableExecuteCommand
        ? task.containers.map(
            (container) => `ecs:${task.clusterName}_${task.taskId}_${container.runtimeId}`,
          )
        : [],
      online: task.containers.some((container) =>
        state.isEcsTargetOnline(`ecs:${task.clusterName}_${task.taskId}_${container.runtimeId}`),
      ),
    })),
    instances: state.world.instances.map((instance) => ({
      instanceId: instance.instanceId,
      tags: instance.tags,
      online: state.isInstanceOnline(instance.instanceId),
      agentVersion: instance.agentVersion,
    })),
    faults: state.faults,
    preferences: state.preferences,
    pace: state.pace.enabled,
  };
}

/** Handles `/_emulator/*`. */
export function handleAdminRequest(input: AdminRequest): void {
  const { request, response, body, state, dataChannel } = input;
  const url = new URL(request.url ?? '/', 'http://emulator.invalid');
  const parts = url.pathname
    .slice('/_emulator/'.length)
    .split('/')
    .filter((part) => part !== '')
    .map((part) => decodeURIComponent(part));
  const method = request.method ?? 'GET';
  const route = `${method} ${parts.map((part, index) => (index === 1 ? ':id' : part)).join('/')}`;

  switch (route) {
    case 'GET health':
      send(response, 200, { ok: true });
      return;
    case 'GET state':
      send(response, 200, {
        ...snapshotState(state),
        // What each emulated agent is doing (mode, sockets, streams, bytes, faults applied).
        agents:
          'sessions' in dataChannel ? (dataChannel as AgentDataChannelService).sessions() : [],
      });
      return;
    case 'POST targets/:id/offline':
    case 'POST targets/:id/online': {
      const target = parts[1]!;
      state.setTargetOnline(target, parts[2] === 'online');
      send(response, 200, { target, online: parts[2] === 'online' });
      return;
    }
    case 'POST targets/:id': {
      const patch = parseBody(targetPatch, body);
      if (isError(patch)) return send(response, 400, patch);
      state.setTargetOnline(parts[1]!, patch.online);
      send(response, 200, { target: parts[1], online: patch.online });
      return;
    }
    case 'POST sessions/:id/terminate': {
      const session = state.sessions.get(parts[1]!);
      if (session === undefined) return send(response, 404, { error: `no session ${parts[1]}` });
      state.endSession(session.sessionId, 'admin');
      send(response, 200, { sessionId: session.sessionId, status: session.status });
      return;
    }
    case 'POST sessions/:id/kill-socket': {
      const session = state.sessions.get(parts[1]!);
      if (session === undefined) return send(response, 404, { error: `no session ${parts[1]}` });
      send(response, 200, {
        sessionId: session.sessionId,
        killed: dataChannel.killSockets(session.sessionId),
      });
      return;
    }
    case 'GET faults':
      send(response, 200, state.faults);
      return;
    case 'PUT faults':
    case 'POST faults': {
      const patch = parseBody(faultsPatch, body);
      if (isError(patch)) return send(response, 400, patch);
      send(response, 200, state.setFaults(patch));
      return;
    }
    case 'GET preferences':
      send(response, 200, state.preferences);
      return;
    case 'PUT preferences':
    case 'POST preferences': {
      const patch = parseBody(preferencesPatch, body);
      if (isError(patch)) return send(response, 400, patch);
      send(response, 200, state.setPreferences(patch));
      return;
    }
    default:
      send(response, 404, { error: `unknown admin route ${method} ${url.pathname}` });
  }
}
