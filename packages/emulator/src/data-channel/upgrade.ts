/**
 * `GET /v1/data-channel/<sessionId>` WebSocket upgrades: check the session, accept optional
 * SigV4 (service `ssmmessages`), wait for the open frame, spend its token, hand over to the seam.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import createDebug from 'debug';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { EmulatorState } from '../state.js';
import { SessionStatus } from '../state.js';
import { AwsApiError } from '../server/aws-error.js';
import { verifySignature } from '../server/sigv4.js';
import type { DataChannelService, OpenDataChannelRequest } from './data-channel-service.js';

const log = createDebug('ssmkit:emulator:data-channel');

/** Path of the data-channel endpoint; the session id is the last segment. */
export const DATA_CHANNEL_PATH = /^\/v1\/data-channel\/([A-Za-z0-9_.@+=,-]{1,96})$/;

/** Close code for a rejected open frame (policy violation). */
export const CLOSE_INVALID_OPEN = 1008;

export interface DataChannelUpgradeOptions {
  state: EmulatorState;
  service: DataChannelService;
  /** How long a socket may stay open without sending the open frame, ms. */
  openTimeoutMs?: number;
}

export interface DataChannelUpgradeHandler {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes sockets still waiting for their open frame. */
  close(): void;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function parseOpen(
  data: RawData,
  isBinary: boolean,
): (OpenDataChannelRequest & { TokenValue: string }) | string {
  if (isBinary) return 'first frame must be the text open-data-channel request';
  const text = Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'open request is not JSON';
  }
  if (typeof json !== 'object' || json === null) return 'open request is not a JSON object';
  const open = json as Record<string, unknown>;
  if (open.MessageSchemaVersion !== '1.0') return 'MessageSchemaVersion must be "1.0"';
  if (typeof open.TokenValue !== 'string' || open.TokenValue === '') return 'TokenValue missing';
  if (typeof open.RequestId !== 'string' || open.RequestId === '') return 'RequestId missing';
  if (typeof open.ClientId !== 'string' || open.ClientId === '') return 'ClientId missing';
  if (open.ClientVersion !== undefined && typeof open.ClientVersion !== 'string')
    return 'ClientVersion must be a string';
  return {
    MessageSchemaVersion: '1.0',
    RequestId: open.RequestId,
    TokenValue: open.TokenValue,
    ClientId: open.ClientId,
    ...(typeof open.ClientVersion === 'string' ? { ClientVersion: open.ClientVersion } : {}),
  };
}

export function createDataChannelUpgradeHandler(
  options: DataChannelUpgradeOptions,
): DataChannelUpgradeHandler {
  const { state, service } = options;
  const openTimeoutMs = options.openTimeoutMs ?? 10_000;
  const server = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const pending = new Set<WebSocket>();

  function accept(request: IncomingMessage, ws: WebSocket, sessionId: string): void {
    pending.add(ws);
    const timer = setTimeout(() => {
      log('session %s: no open frame within %d ms', sessionId, openTimeoutMs);
      ws.close(CLOSE_INVALID_OPEN, 'open request timeout');
    }, openTimeoutMs);
    timer.unref();
    const cleanup = (): void => {
      clearTimeout(timer);
      pending.delete(ws);
    };
    ws.once('close', cleanup);
    ws.once('message', (data, isBinary) => {
      cleanup();
      ws.off('close', cleanup);
      const open = parseOpen(data, isBinary);
      if (typeof open === 'string') {
        log('session %s: rejected open frame: %s', sessionId, open);
        ws.close(CLOSE_INVALID_OPEN, 'invalid open request');
        return;
      }
      const verdict = state.consumeStreamToken(open.TokenValue, sessionId);
      const session = state.sessions.get(sessionId);
      if (!verdict.ok || session === undefined || !state.isSessionActive(session)) {
        log(
          'session %s: rejected open frame: %s',
          sessionId,
          verdict.ok ? 'session ended' : verdict.reason,
        );
        ws.close(CLOSE_INVALID_OPEN, 'invalid token');
        return;
      }
      const { TokenValue: _spent, ...rest } = open;
      session.status = SessionStatus.Connected;
      session.clientId = rest.ClientId;
      if (rest.ClientVersion !== undefined) session.clientVersion = rest.ClientVersion;
      log(
        'session %s: client %s connected (version %s)',
        sessionId,
        rest.ClientId,
        rest.ClientVersion ?? 'none',
      );
      service.connect({
        socket: ws,
        session,
        open: rest,
        request,
        state,
        resumed: verdict.resumed,
      });
    });
  }

  return {
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://emulator.invalid');
      const match = DATA_CHANNEL_PATH.exec(url.pathname);
      if (match === null) {
        reject(socket, 404, 'Not Found');
        return;
      }
      const sessionId = match[1]!;
      const session = state.sessions.get(sessionId);
      if (session === undefined || !state.isSessionActive(session)) {
        log('upgrade for unknown or ended session %s', sessionId);
        reject(socket, 404, 'Not Found');
        return;
      }
      const finish = (): void => {
        server.handleUpgrade(request, socket, head, (ws) => accept(request, ws, sessionId));
      };
      if (request.headers.authorization === undefined) {
        finish();
        return;
      }
      // Newer plugins SigV4-sign the upgrade (service ssmmessages); verify when present.
      verifySignature(
        {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          headers: request.headers,
          body: undefined,
        },
        {
          family: 'json',
          service: 'ssmmessages',
          lookup: (accessKeyId) => state.credentials.get(accessKeyId),
          now: state.clock.now(),
          wallClockNow: Date.now(),
        },
      ).then(
        (result) => {
          if (result instanceof AwsApiError) {
            log('session %s: upgrade signature rejected: %s', sessionId, result.code);
            reject(socket, 403, 'Forbidden');
            return;
          }
          finish();
        },
        (error: unknown) => {
          log('session %s: upgrade verification failed: %O', sessionId, error);
          reject(socket, 500, 'Internal Server Error');
        },
      );
    },
    close() {
      for (const ws of pending) ws.terminate();
      pending.clear();
      server.close();
    },
  };
}
