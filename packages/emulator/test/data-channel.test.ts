import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import createDebug from 'debug';
import {
  SSMClient,
  ResumeSessionCommand,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  DataChannelConnection,
  DataChannelService,
  Emulator,
  SessionEndReason,
  SessionRecord,
} from '../src/index.js';
import { CLOSE_INVALID_OPEN, DEFAULT_WORLD_IDS } from '../src/index.js';
import { clientConfig, createManualClock, start } from './helpers.js';

/** A seam that records what the control plane hands over. */
class RecordingDataChannel implements DataChannelService {
  readonly connections: DataChannelConnection[] = [];
  readonly ended: Array<{ sessionId: string; reason: SessionEndReason }> = [];
  readonly killed: string[] = [];
  connect(connection: DataChannelConnection): void {
    this.connections.push(connection);
    connection.socket.on('message', (data) => connection.socket.send(data)); // echo
  }
  endSession(session: SessionRecord, reason: SessionEndReason): void {
    this.ended.push({ sessionId: session.sessionId, reason });
    for (const connection of this.connections) {
      if (connection.session.sessionId === session.sessionId)
        connection.socket.close(1000, 'terminated');
    }
  }
  killSockets(sessionId: string): number {
    this.killed.push(sessionId);
    let count = 0;
    for (const connection of this.connections) {
      if (
        connection.session.sessionId === sessionId &&
        connection.socket.readyState === WebSocket.OPEN
      ) {
        connection.socket.terminate();
        count += 1;
      }
    }
    return count;
  }
  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
  }
}

const clock = createManualClock();
const seam = new RecordingDataChannel();
let emulator: Emulator;
let ssm: SSMClient;
const sockets: WebSocket[] = [];

const logs: string[] = [];
const previousLog = createDebug.log;
const previousNamespaces = createDebug.disable();

beforeAll(async () => {
  createDebug.log = (...args: unknown[]) => logs.push(format(...args));
  createDebug.enable('ssmkit:*');
  emulator = await start({ clock, dataChannel: seam });
  ssm = new SSMClient(clientConfig(emulator));
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.terminate();
});
afterAll(async () => {
  ssm.destroy();
  await emulator.close();
  createDebug.log = previousLog;
  createDebug.enable(previousNamespaces);
});

function openFrame(token: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    MessageSchemaVersion: '1.0',
    RequestId: randomUUID(),
    TokenValue: token,
    ClientId: 'b0d3c1a2-0000-4000-8000-000000000001',
    ClientVersion: '1.2.707.0',
    ...extra,
  });
}

/** Connects, sends `first`, resolves with the close code (or 'open' if still open after 300 ms). */
function connect(
  url: string,
  first: string | Buffer,
  headers: Record<string, string> = {},
): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    sockets.push(socket);
    socket.on('open', () => {
      socket.send(first);
      setTimeout(() => resolve('open'), 300);
    });
    socket.on('close', (code) => resolve(code));
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('error', reject);
  });
}

async function startSession(): Promise<{
  SessionId: string;
  TokenValue: string;
  StreamUrl: string;
}> {
  const result = await ssm.send(
    new StartSessionCommand({ Target: DEFAULT_WORLD_IDS.bastionInstanceId }),
  );
  return {
    SessionId: result.SessionId!,
    TokenValue: result.TokenValue!,
    StreamUrl: result.StreamUrl!,
  };
}

describe('data-channel open and tokens', () => {
  it('hands a valid open to the seam; the token is single-use', async () => {
    const session = await startSession();
    expect(await connect(session.StreamUrl, openFrame(session.TokenValue))).toBe('open');
    const connection = seam.connections.at(-1)!;
    expect(connection.session.sessionId).toBe(session.SessionId);
    expect(connection.open).toEqual({
      MessageSchemaVersion: '1.0',
      RequestId: expect.any(String) as unknown,
      ClientId: 'b0d3c1a2-0000-4000-8000-000000000001',
      ClientVersion: '1.2.707.0',
    });
    expect(connection.open).not.toHaveProperty('TokenValue');
    expect(connection.resumed).toBe(false);
    expect(emulator.state.sessions.get(session.SessionId)!.status).toBe('Connected');

    // Second use of the same token is refused.
    expect(await connect(session.StreamUrl, openFrame(session.TokenValue))).toBe(
      CLOSE_INVALID_OPEN,
    );
  });

  it('closes the socket on a bad token, a binary first frame, bad JSON or a wrong schema version', async () => {
    const session = await startSession();
    expect(await connect(session.StreamUrl, openFrame('not-a-token'))).toBe(CLOSE_INVALID_OPEN);
    expect(await connect(session.StreamUrl, Buffer.from(openFrame(session.TokenValue)))).toBe(
      CLOSE_INVALID_OPEN,
    );
    expect(await connect(session.StreamUrl, '{')).toBe(CLOSE_INVALID_OPEN);
    const other = await startSession();
    expect(
      await connect(other.StreamUrl, openFrame(other.TokenValue, { MessageSchemaVersion: '2.0' })),
    ).toBe(CLOSE_INVALID_OPEN);
  });

  it('refuses a token of another session', async () => {
    const first = await startSession();
    const second = await startSession();
    expect(await connect(second.StreamUrl, openFrame(first.TokenValue))).toBe(CLOSE_INVALID_OPEN);
  });

  it('refuses an expired token (60 s)', async () => {
    const session = await startSession();
    clock.advance(61_000);
    expect(await connect(session.StreamUrl, openFrame(session.TokenValue))).toBe(
      CLOSE_INVALID_OPEN,
    );
  });

  it('refuses upgrades for unknown or terminated sessions with 404', async () => {
    const port = new URL(emulator.endpoint).port;
    expect(
      await connect(
        `ws://127.0.0.1:${port}/v1/data-channel/test-00000000000000000?role=publish_subscribe`,
        'x',
      ),
    ).toBe(404);
    const session = await startSession();
    await ssm.send(new TerminateSessionCommand({ SessionId: session.SessionId }));
    expect(await connect(session.StreamUrl, openFrame(session.TokenValue))).toBe(404);
    expect(seam.ended).toContainEqual({
      sessionId: session.SessionId,
      reason: 'terminate-session',
    });
  });

  it('accepts a ResumeSession token as a resumed open', async () => {
    const session = await startSession();
    const resumed = await ssm.send(new ResumeSessionCommand({ SessionId: session.SessionId }));
    expect(await connect(resumed.StreamUrl!, openFrame(resumed.TokenValue!))).toBe('open');
    expect(seam.connections.at(-1)!.resumed).toBe(true);
  });

  it('accepts SigV4-signed upgrades (service ssmmessages) and refuses badly signed ones', async () => {
    const session = await startSession();
    const url = new URL(session.StreamUrl);
    const sign = async (secretAccessKey: string): Promise<Record<string, string>> => {
      const signer = new SignatureV4({
        credentials: { accessKeyId: 'test', secretAccessKey },
        region: 'us-east-1',
        service: 'ssmmessages',
        sha256: Sha256,
      });
      const signed = await signer.sign({
        method: 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host },
      });
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(signed.headers))
        if (key !== 'host') headers[key] = String(value);
      return headers;
    };
    expect(
      await connect(session.StreamUrl, openFrame(session.TokenValue), await sign('wrong')),
    ).toBe(403);
    expect(
      await connect(session.StreamUrl, openFrame(session.TokenValue), await sign('test')),
    ).toBe('open');
  });
});

describe('admin hooks on the seam', () => {
  it('terminate via admin reaches endSession; kill-socket reaches killSockets', async () => {
    const session = await startSession();
    expect(await connect(session.StreamUrl, openFrame(session.TokenValue))).toBe('open');
    const kill = await fetch(
      `${emulator.endpoint}/_emulator/sessions/${session.SessionId}/kill-socket`,
      { method: 'POST' },
    );
    expect(await kill.json()).toEqual({ sessionId: session.SessionId, killed: 1 });
    const terminate = await fetch(
      `${emulator.endpoint}/_emulator/sessions/${session.SessionId}/terminate`,
      {
        method: 'POST',
      },
    );
    expect(await terminate.json()).toEqual({ sessionId: session.SessionId, status: 'Terminated' });
    expect(seam.ended).toContainEqual({ sessionId: session.SessionId, reason: 'admin' });
  });
});

describe('logging', () => {
  it('logs rejections but never tokens, signatures or StreamUrl queries', async () => {
    const session = await startSession();
    expect(await connect(session.StreamUrl, openFrame(`${session.TokenValue}x`))).toBe(
      CLOSE_INVALID_OPEN,
    );
    const text = logs.join('\n');
    expect(text).toContain('rejected open frame');
    expect(text).not.toContain(session.TokenValue);
    expect(text).not.toContain('cell-number');
    expect(text).not.toMatch(/Signature=|secretAccessKey|X-Amz-Security-Token/i);
  });
});
