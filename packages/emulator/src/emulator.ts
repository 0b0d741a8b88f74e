import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import createDebug from 'debug';
import type { RetransmissionPolicy } from '@ssmkit/protocol';
import * as z from 'zod/v4';
import { handleAdminRequest } from './admin/admin-api.js';
import { createAgentDataChannelService } from './agent/agent-service.js';
import type { DataChannelService } from './data-channel/data-channel-service.js';
import { createDataChannelUpgradeHandler } from './data-channel/upgrade.js';
import { EmulatorError, EmulatorErrorCode } from './errors.js';
import { systemClock } from './internal/clock.js';
import type { EmulatorClock } from './internal/clock.js';
import { handleAwsRequest } from './server/aws-router.js';
import { EmulatorState } from './state.js';
import type { SessionEndReason, SessionRecord } from './state.js';
import { createDefaultWorld } from './world/default-world.js';
import { loadWorldFile, parseWorld } from './world/load-world.js';
import type { Faults, World, WorldInput } from './world/schema.js';

const log = createDebug('ssmkit:emulator');

/** Default port of the emulator. */
export const DEFAULT_PORT = 4599;
/** Largest request body accepted, bytes. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** TCP port; `0` picks any free port. Default `4599`. */
  port?: number;
  /** Listen address. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** A world object, or the path of a world JSON file. Default: the documented default world. */
  world?: WorldInput | string;
  /** Agent pacing: 1 ms after every ≤1024-byte output message, like the real agent. Default `false`. */
  pace?: boolean;
  /**
   * Retransmission policy of the emulated agent's reliable channel: `faithful` (only the oldest
   * unacknowledged message per 100 ms tick, as the real agent does) or `fast`. Default
   * `'faithful'`. Ignored when `dataChannel` is given.
   */
  agentRetransmission?: RetransmissionPolicy;
  /** Data-channel faults, merged over the world's `faults`. */
  faults?: Partial<Faults>;
  /**
   * The data-channel service behind `/v1/data-channel/<sessionId>` (or a factory given the state).
   * Default: the emulated agent (`createAgentDataChannelService`), which really forwards TCP.
   */
  dataChannel?: DataChannelService | ((state: EmulatorState) => DataChannelService);
  /** Clock for credential expiry, tokens and ECS task transitions. For tests. Default `Date.now`. */
  clock?: EmulatorClock;
}

/** A running emulator. */
export interface Emulator {
  /** `http://<host>:<port>` — pass as `endpoint` to SDK clients. */
  endpoint: string;
  port: number;
  host: string;
  world: World;
  state: EmulatorState;
  dataChannel: DataChannelService;
  /** Stops listening, closes every socket and timer. Idempotent. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  pace: z.boolean().optional(),
  agentRetransmission: z.enum(['faithful', 'fast']).optional(),
});

async function resolveWorld(world: StartEmulatorOptions['world']): Promise<World> {
  if (world === undefined) return createDefaultWorld();
  if (typeof world === 'string') return loadWorldFile(world);
  return parseWorld(structuredClone(world), 'world');
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * Starts the emulator: one HTTP port serving the AWS APIs, the admin API and the data-channel
 * WebSocket.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ port: 0 });
 * const ssm = new SSMClient({ endpoint: emulator.endpoint, region: 'us-east-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const checked = optionsSchema.safeParse(options);
  if (!checked.success) {
    throw new EmulatorError(
      EmulatorErrorCode.Config,
      `Invalid startEmulator() options: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const world = await resolveWorld(options.world);
  const host = options.host ?? '127.0.0.1';
  const state = new EmulatorState(world, options.clock ?? systemClock, {
    ...(options.pace === undefined ? {} : { pace: options.pace }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const dataChannel =
    typeof options.dataChannel === 'function'
      ? options.dataChannel(state)
      : (options.dataChannel ??
        createAgentDataChannelService(
          state,
          options.agentRetransmission === undefined
            ? {}
            : { retransmission: options.agentRetransmission },
        ));
  const onSessionEnd = (session: SessionRecord, reason: SessionEndReason): void =>
    dataChannel.endSession(session, reason);
  state.on('session-end', onSessionEnd);
  const upgrade = createDataChannelUpgradeHandler({ state, service: dataChannel });

  let defaultHost = `${host}:${options.port ?? DEFAULT_PORT}`;
  const sockets = new Set<Socket>();

  const onRequest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      if (!response.headersSent) response.writeHead(413).end();
      return;
    }
    if ((request.url ?? '/').startsWith('/_emulator/')) {
      handleAdminRequest({ request, response, body, state, dataChannel });
      return;
    }
    await handleAwsRequest({ request, response, body, state, defaultHost });
  };

  const server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      log('request failed: %O', error);
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end('{"__type":"InternalFailure","message":"emulator error"}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', (error) => log('upgrade socket error: %s', error.message));
    upgrade.handleUpgrade(request, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new EmulatorError(
          EmulatorErrorCode.Listen,
          error.code === 'EADDRINUSE'
            ? `Port ${options.port ?? DEFAULT_PORT} on ${host} is already in use. Pass --port 0 (or port: 0) for any free port, or stop the other process.`
            : `Cannot listen on ${host}:${options.port ?? DEFAULT_PORT}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (error: unknown) => {
    state.off('session-end', onSessionEnd);
    upgrade.close();
    await dataChannel.close();
    throw error;
  });

  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  defaultHost = `${urlHost}:${port}`;
  const endpoint = `http://${defaultHost}`;
  log('listening on %s', endpoint);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.off('session-end', onSessionEnd);
      upgrade.close();
      await dataChannel.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      state.removeAllListeners();
    })();
    return closing;
  };

  return { endpoint, port, host, world, state, dataChannel, close };
}
