import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentDataChannel } from '../src/data-channel/agent-data-channel.js';
import { ClientDataChannel } from '../src/data-channel/client-data-channel.js';
import { attachMuxClient, attachMuxServer } from '../src/data-channel/port-mux.js';
import { connectWebSocket, createWsSocket } from '../src/data-channel/ws-socket.js';
import { decodeOpenDataChannel } from '../src/wire/payloads/index.js';
import { patternBytes, portForwardingProperties, readAll, sha256Hex, writeAll } from './helpers.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startServer(): Promise<{
  server: WebSocketServer;
  url: string;
  connections: AsyncIterator<[WebSocket, unknown]>;
}> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `ws://127.0.0.1:${port}/v1/data-channel/session-1?role=publish_subscribe`,
    connections: acceptConnections(server),
  };
}

function acceptConnections(server: WebSocketServer): AsyncIterator<[WebSocket, unknown]> {
  const queue: [WebSocket, unknown][] = [];
  const waiters: ((value: IteratorResult<[WebSocket, unknown]>) => void)[] = [];
  server.on('connection', (ws, request) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter({ value: [ws, request], done: false });
    else queue.push([ws, request]);
  });
  return {
    next: () =>
      new Promise((resolve) => {
        const item = queue.shift();
        if (item !== undefined) resolve({ value: item, done: false });
        else waiters.push(resolve);
      }),
  };
}

describe('ws adapter', () => {
  test('client ↔ agent over a real WebSocket: open text frame, handshake, smux data, close once', async () => {
    const { url, connections } = await startServer();
    const connecting = connectWebSocket(url, { headers: { 'X-Test': '1' } });
    const [serverWs, request] = (await connections.next()).value as [
      WebSocket,
      { headers: Record<string, string> },
    ];
    expect(request.headers['x-test']).toBe('1');
    const openFrame = new Promise<string>((resolve) =>
      serverWs.once('message', (data: Buffer) => resolve(data.toString('utf8'))),
    );
    const agentSocket = createWsSocket(serverWs);
    const clientSocket = await connecting;
    const client = new ClientDataChannel({ keepAliveIntervalMs: 0 });
    const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
    const complete = new Promise((resolve) => client.once('handshake-complete', resolve));
    client.attach(clientSocket, { tokenValue: 'secret-token' });
    agent.attach(agentSocket);
    expect(decodeOpenDataChannel(await openFrame)).toMatchObject({
      tokenValue: 'secret-token',
      clientId: client.clientId,
    });
    await agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      properties: portForwardingProperties(),
    });
    await complete;
    const muxServer = attachMuxServer(agent);
    const muxClient = attachMuxClient(client);
    const data = patternBytes(256 * 1024, 9);
    const serverRead = new Promise<{ length: number; sha256: string }>((resolve, reject) => {
      muxServer.on('stream', (stream) => {
        readAll(stream).then(resolve, reject);
        stream.end();
      });
    });
    const stream = muxClient.openStream();
    stream.resume();
    await writeAll(stream, data);
    expect(await serverRead).toEqual({ length: data.byteLength, sha256: sha256Hex(data) });
    expect(clientSocket.bufferedAmount).toBe(0);

    const closes: number[] = [];
    agent.on('socket-close', (code) => closes.push(code));
    clientSocket.close(1000, 'bye');
    clientSocket.close(1000, 'again');
    await once(agent, 'socket-close');
    expect(closes).toEqual([1000]);
    expect(clientSocket.isOpen).toBe(false);
    client.close();
    agent.close();
  });

  test('ping reaches the server and the pong comes back', async () => {
    const { url, connections } = await startServer();
    const connecting = connectWebSocket(url);
    const [serverWs] = (await connections.next()).value as [WebSocket, unknown];
    const socket = await connecting;
    const pong = new Promise<string>((resolve) =>
      socket.setHandlers({
        message: () => undefined,
        close: () => undefined,
        error: () => undefined,
        pong: (payload) => resolve(new TextDecoder().decode(payload)),
      }),
    );
    const ping = once(serverWs, 'ping');
    socket.ping!(new TextEncoder().encode('keepalive'));
    expect(String((await ping)[0])).toBe('keepalive');
    expect(await pong).toBe('keepalive');
    socket.close();
  });

  test('connection failures are ERR_PROTOCOL_TRANSPORT and never echo the query string', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(server);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    servers.pop();
    const error = await connectWebSocket(
      `ws://127.0.0.1:${port}/v1/data-channel/s?X-Amz-Signature=topsecret`,
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL_TRANSPORT' });
    expect((error as Error).message).not.toContain('topsecret');
  });

  test('a refused upgrade (HTTP 403) rejects with ERR_PROTOCOL_TRANSPORT', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
    servers.push(server);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const error: Error = await connectWebSocket(
      `ws://127.0.0.1:${port}/v1/data-channel/s?token=abc`,
    ).then(
      () => new Error('connected unexpectedly'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL_TRANSPORT' });
    expect(error.message).toMatch(/HTTP 401|HTTP 403/);
    expect(error.message).not.toContain('abc');
  });

  test('an aborted signal rejects', async () => {
    const { url } = await startServer();
    const controller = new AbortController();
    controller.abort();
    await expect(connectWebSocket(url, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ERR_PROTOCOL_TRANSPORT',
    });
  });
});
