import { describe, expect, test, vi } from 'vitest';
import {
  createSocketPair,
  FakeClock,
  yieldToEventLoop,
  type MemorySocket,
} from '../testing/index.js';
import {
  decodeClientMessage,
  encodeClientMessage,
  type ClientMessage,
} from '../wire/client-message.js';
import { MessageType, PayloadTypeFlag } from '../wire/constants.js';
import { decodeOpenDataChannel, encodeChannelClosed } from '../wire/payloads/index.js';
import { AgentDataChannel } from './agent-data-channel.js';
import { ClientDataChannel, type ClientHandshakeResult } from './client-data-channel.js';
import { attachMuxClient, attachMuxServer } from './port-mux.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const portProperties = { portNumber: '80', localPortNumber: '0', type: 'LocalPortForwarding' };

/** A connected client/agent pair after a completed Port handshake. */
async function session(
  options: { clock?: FakeClock; paceMs?: number; highWaterMarkMessages?: number } = {},
) {
  const { client: clientSocket, agent: agentSocket } = createSocketPair();
  const client = new ClientDataChannel({
    clock: options.clock,
    keepAliveIntervalMs: 0,
    reliability:
      options.highWaterMarkMessages === undefined
        ? undefined
        : { highWaterMarkMessages: options.highWaterMarkMessages },
  });
  const agent = new AgentDataChannel({
    clock: options.clock,
    keepAliveIntervalMs: 0,
    paceMs: options.paceMs,
  });
  const complete = new Promise<ClientHandshakeResult>((resolve) =>
    client.once('handshake-complete', resolve),
  );
  client.attach(clientSocket, { tokenValue: 'token-1' });
  agent.attach(agentSocket);
  const handshake = agent.startHandshake({
    agentVersion: '3.3.1142.0',
    sessionType: 'Port',
    properties: portProperties,
  });
  if (options.clock !== undefined) await options.clock.advanceAsync(50, 10);
  await handshake;
  await complete;
  return { client, agent, clientSocket, agentSocket };
}

/** Records decoded binary frames and text frames `socket` sends. */
function record(socket: MemorySocket): { frames: ClientMessage[]; texts: string[] } {
  const frames: ClientMessage[] = [];
  const texts: string[] = [];
  const send = socket.send.bind(socket);
  socket.send = (data) => {
    if (typeof data === 'string') texts.push(data);
    else frames.push(decodeClientMessage(data.slice()));
    send(data);
  };
  return { frames, texts };
}

function serviceFrame(messageType: string, payload: Uint8Array, headerLength = 116): Uint8Array {
  const frame = encodeClientMessage({
    messageType,
    schemaVersion: 1,
    createdDate: 1_700_000_000_000,
    sequenceNumber: 0,
    flags: 0,
    messageId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    payloadType: 0,
    payload,
  });
  if (headerLength === 116) return frame;
  // HL 112 variant of the service's channel_closed: no PayloadType field, NUL-padded type.
  const out = new Uint8Array(frame.byteLength - 4);
  out.set(frame.subarray(0, 112));
  new DataView(out.buffer).setUint32(0, 112);
  out.fill(0, 4 + messageType.length, 36);
  out.set(frame.subarray(116), 112);
  return out;
}

describe('ClientDataChannel', () => {
  test('sendData splits into ≤1024-byte Output messages and the agent reassembles them in order', async () => {
    const { client, agent, clientSocket } = await session();
    const { frames } = record(clientSocket);
    const received: Uint8Array[] = [];
    agent.on('data', (payload) => received.push(payload.slice()));
    const data = Uint8Array.from({ length: 2_500 }, (_, index) => index & 0xff);
    expect(client.sendData(data)).toBe(true);
    expect(
      frames.map((frame) => [frame.payloadType, frame.payload.byteLength, frame.flags]),
    ).toEqual([
      [1, 1024, 0],
      [1, 1024, 0],
      [1, 452, 0],
    ]);
    await yieldToEventLoop();
    expect(Buffer.concat(received)).toEqual(Buffer.from(data));
    client.close();
    agent.close();
  });

  test('data before a consumer is ready stays unacked and is delivered once someone listens', async () => {
    const { client, agent } = await session();
    agent.sendData(encoder.encode('early'));
    await yieldToEventLoop();
    expect(agent.channel.unacknowledgedCount).toBe(1);
    const received: string[] = [];
    client.on('data', (payload) => received.push(decoder.decode(payload)));
    await yieldToEventLoop();
    expect(received).toEqual(['early']);
    await yieldToEventLoop();
    expect(agent.channel.unacknowledgedCount).toBe(0);
    client.close();
    agent.close();
  });

  test('pauseData holds data unacknowledged; resumeData delivers it in order', async () => {
    const { client, agent } = await session();
    const received: string[] = [];
    client.on('data', (payload) => received.push(decoder.decode(payload)));
    client.pauseData();
    agent.sendData(encoder.encode('a'));
    agent.sendData(encoder.encode('b'));
    await yieldToEventLoop();
    expect(received).toEqual([]);
    client.resumeData();
    expect(received).toEqual(['a', 'b']);
    client.close();
    agent.close();
  });

  test('flags reach the other side as flag events', async () => {
    const { client, agent } = await session();
    const agentFlags: number[] = [];
    const clientFlags: number[] = [];
    agent.on('flag', (flag) => agentFlags.push(flag));
    client.on('flag', (flag) => clientFlags.push(flag));
    client.sendFlag(PayloadTypeFlag.DisconnectToPort);
    agent.sendFlag(PayloadTypeFlag.ConnectToPortError);
    await yieldToEventLoop();
    expect(agentFlags).toEqual([1]);
    expect(clientFlags).toEqual([3]);
    client.close();
    agent.close();
  });

  test('agent receives terminal sizes as size events', async () => {
    const { client, agent } = await session();
    const sizes = vi.fn();
    agent.on('size', sizes);
    client.sendSize({ cols: 80, rows: 24 });
    await yieldToEventLoop();
    expect(sizes).toHaveBeenCalledWith({ cols: 80, rows: 24 });
    client.close();
    agent.close();
  });

  test.each([116, 112])(
    'channel_closed (HeaderLength %d) is reported with its Output and closes the channel',
    async (headerLength) => {
      const { client, agent, agentSocket } = await session();
      const closed = vi.fn();
      const close = vi.fn();
      client.on('channel-closed', closed);
      client.on('close', close);
      const payload = encodeChannelClosed({
        messageId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
        createdDate: '1700000000000',
        destinationId: 'i-0123456789abcdef0',
        sessionId: 'user-0123',
        messageType: 'channel_closed',
        schemaVersion: 1,
        output: 'Your session timed out due to inactivity and has been terminated.',
      });
      agentSocket.send(serviceFrame(MessageType.ChannelClosed, payload, headerLength));
      await yieldToEventLoop();
      expect(closed).toHaveBeenCalledWith(
        expect.objectContaining({
          output: 'Your session timed out due to inactivity and has been terminated.',
          sessionId: 'user-0123',
        }),
      );
      expect(close).toHaveBeenCalledWith(undefined);
      expect(client.isClosed).toBe(true);
      agent.close();
    },
  );

  test('agent.sendChannelClosed reaches the client', async () => {
    const { client, agent } = await session();
    const closed = vi.fn();
    client.on('channel-closed', closed);
    expect(agent.sendChannelClosed({ output: 'bye', sessionId: 's-1', destinationId: 'i-1' })).toBe(
      true,
    );
    await yieldToEventLoop();
    expect(closed).toHaveBeenCalledWith(
      expect.objectContaining({ output: 'bye', sessionId: 's-1', destinationId: 'i-1' }),
    );
    agent.close();
  });

  test('unknown message types and agent_session_state are ignored without an ack', async () => {
    const { client, agent, clientSocket, agentSocket } = await session();
    const { frames } = record(clientSocket);
    agentSocket.send(
      serviceFrame(
        MessageType.AgentSessionState,
        encoder.encode('{"SchemaVersion":1,"SessionState":"Connected","SessionId":"s"}'),
      ),
    );
    agentSocket.send(serviceFrame('interactive_shell', encoder.encode('x')));
    agentSocket.send(new Uint8Array(50)); // undecodable: dropped
    await yieldToEventLoop();
    expect(frames).toEqual([]);
    expect(client.isClosed).toBe(false);
    client.close();
    agent.close();
  });

  test('pause_publication from the service stops our transmissions until start_publication', async () => {
    const { client, agent, clientSocket, agentSocket } = await session();
    const { frames } = record(clientSocket);
    agent.sendPublicationControl('pause');
    await yieldToEventLoop();
    expect(client.channel.isPaused).toBe(true);
    expect(client.sendData(encoder.encode('held'))).toBe(false);
    expect(frames).toEqual([]);
    const drain = vi.fn();
    client.on('drain', drain);
    agent.sendPublicationControl('start');
    await yieldToEventLoop();
    expect(frames.map((frame) => decoder.decode(frame.payload))).toEqual(['held']);
    expect(drain).toHaveBeenCalledOnce();
    void agentSocket;
    client.close();
    agent.close();
  });

  test('back-pressure: sendData returns false at the bound and drain follows the acks', async () => {
    const { client, agent } = await session({ highWaterMarkMessages: 4 });
    agent.on('data', () => undefined);
    const results = [1, 2, 3, 4, 5].map((index) => client.sendData(new Uint8Array([index])));
    expect(results).toEqual([true, true, true, false, false]);
    const drained = new Promise((resolve) => client.once('drain', () => resolve(undefined)));
    await drained;
    expect(client.writable).toBe(true);
    client.close();
    agent.close();
  });

  test('reconnect: messages sent while disconnected are kept; the new open frame has a new RequestId and token and the same ClientId', async () => {
    const { client, agent, clientSocket } = await session();
    const received: string[] = [];
    agent.on('data', (payload) => received.push(decoder.decode(payload)));
    const socketClose = vi.fn();
    client.on('socket-close', socketClose);
    const firstOpen = record(clientSocket);
    void firstOpen;
    // Kill the connection, send while down.
    clientSocket.close(1006);
    await yieldToEventLoop();
    expect(socketClose).toHaveBeenCalledWith(1006, '');
    expect(client.isConnected).toBe(false);
    expect(client.sendData(encoder.encode('while down'))).toBe(true);
    const { client: newClientSocket, agent: newAgentSocket } = createSocketPair();
    const { texts } = record(newClientSocket);
    client.attach(newClientSocket, { tokenValue: 'token-2' });
    agent.attach(newAgentSocket);
    await yieldToEventLoop();
    expect(received).toEqual(['while down']);
    const open = decodeOpenDataChannel(texts[0]!);
    expect(open.tokenValue).toBe('token-2');
    expect(open.clientId).toBe(client.clientId);
    expect(client.channel.nextSequenceNumber).toBe(2); // HandshakeResponse was 0
    client.close();
    agent.close();
  });

  test('terminate sends Flag TerminateSession then drops the socket', async () => {
    const { client, agent, clientSocket } = await session();
    const flags: number[] = [];
    agent.on('flag', (flag) => flags.push(flag));
    const agentSocketClose = vi.fn();
    agent.on('socket-close', agentSocketClose);
    expect(client.terminate()).toBe(true);
    expect(clientSocket.isOpen).toBe(false);
    await yieldToEventLoop();
    expect(flags).toEqual([PayloadTypeFlag.TerminateSession]);
    expect(agentSocketClose).toHaveBeenCalledOnce();
    expect(() => client.sendData(encoder.encode('x'))).toThrowError(
      expect.objectContaining({ code: 'ERR_PROTOCOL_CLOSED' }),
    );
    agent.close();
  });

  test('gives up after the resend limit: close with ERR_PROTOCOL_RETRANSMIT_LIMIT', async () => {
    const clock = new FakeClock();
    const { client: socket } = createSocketPair(); // the agent end never answers
    const client = new ClientDataChannel({
      clock,
      keepAliveIntervalMs: 0,
      reliability: { maxResendAttempts: 5 },
    });
    client.attach(socket, { tokenValue: 't' });
    const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
    client.sendData(encoder.encode('x'));
    await clock.advanceAsync(5_000, 100);
    expect(await closed).toMatchObject({ code: 'ERR_PROTOCOL_RETRANSMIT_LIMIT' });
    expect(socket.isOpen).toBe(false);
  });

  test('attach refuses a closed socket', () => {
    const { client: socket } = createSocketPair();
    socket.close();
    expect(() => new ClientDataChannel().attach(socket, { tokenValue: 't' })).toThrowError(
      expect.objectContaining({ code: 'ERR_PROTOCOL_TRANSPORT' }),
    );
  });
});

describe('AgentDataChannel', () => {
  test('pacing: one ≤1024-byte message per paceMs, drain when the queue empties', async () => {
    const clock = new FakeClock();
    const { client, agent, agentSocket } = await session({ clock, paceMs: 1 });
    const { frames } = record(agentSocket);
    client.on('data', () => undefined);
    const sentAt: number[] = [];
    const send = agentSocket.send.bind(agentSocket);
    agentSocket.send = (data) => {
      if (
        typeof data !== 'string' &&
        decodeClientMessage(data).messageType === MessageType.OutputStreamData
      )
        sentAt.push(clock.now());
      send(data);
    };
    expect(agent.sendData(new Uint8Array(5 * 1024))).toBe(true);
    expect(frames).toHaveLength(0); // queued, not sent synchronously
    await clock.advanceAsync(10, 1);
    expect(sentAt).toHaveLength(5);
    expect(sentAt.slice(1).map((time, index) => time - sentAt[index]!)).toEqual([1, 1, 1, 1]);
    client.close();
    agent.close();
  });

  test('pacing applies back-pressure through its queue', async () => {
    const clock = new FakeClock();
    const { client, agent } = await session({ clock, paceMs: 1 });
    client.on('data', () => undefined);
    expect(agent.sendData(new Uint8Array(70 * 1024))).toBe(false);
    const drain = vi.fn();
    agent.on('drain', drain);
    await clock.advanceAsync(100, 1);
    expect(drain).toHaveBeenCalledOnce();
    client.close();
    agent.close();
  });

  test('agent_session_state Connected is sent on attach only when asked', () => {
    const { agent: socket, client: peer } = createSocketPair();
    const { frames } = record(socket);
    void peer;
    const agent = new AgentDataChannel({
      sendSessionState: true,
      sessionId: 'sess-1',
      keepAliveIntervalMs: 0,
    });
    agent.attach(socket);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({
      messageType: 'agent_session_state',
      sequenceNumber: 0,
      flags: 3,
      payloadType: 0,
    });
    expect(JSON.parse(decoder.decode(frames[0]!.payload))).toEqual({
      SchemaVersion: 1,
      SessionState: 'Connected',
      SessionId: 'sess-1',
    });
    agent.close();
  });

  test('ignores text frames (the open frame is for the service)', async () => {
    const { client: peer, agent: socket } = createSocketPair();
    const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
    agent.attach(socket);
    peer.send('{"MessageSchemaVersion":"1.0"}');
    await yieldToEventLoop();
    expect(agent.isClosed).toBe(false);
    agent.close();
  });
});

describe('smux over the data channel', () => {
  test('ConnectToPortError fails the most recently opened pending stream with ERR_PROTOCOL_CONNECT_TO_PORT', async () => {
    const { client, agent } = await session();
    const muxClient = attachMuxClient(client);
    const muxServer = attachMuxServer(agent);
    const good = muxClient.openStream();
    const serverStreams: number[] = [];
    muxServer.on('stream', (stream) => {
      stream.on('error', () => undefined);
      serverStreams.push(stream.id);
      if (stream.id === 3) {
        stream.write('hello');
        return;
      }
      // Like the agent: Flag 3 first, then FIN for the stream.
      agent.sendFlag(PayloadTypeFlag.ConnectToPortError);
      stream.destroy();
    });
    const firstChunk = await new Promise<string>((resolve) =>
      good.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    expect(firstChunk).toBe('hello');
    const bad = muxClient.openStream();
    const error = await new Promise<Error>((resolve) => bad.once('error', resolve));
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL_CONNECT_TO_PORT' });
    expect(bad.id).toBe(5);
    expect(good.destroyed).toBe(false);
    good.on('error', () => undefined);
    client.close();
    agent.close();
  });

  test('a full smux receive bucket leaves data unacknowledged instead of buffering it, and recovers', async () => {
    const { client, agent } = await session();
    const muxClient = attachMuxClient(client, { maxReceiveBuffer: 8 * 1024 });
    const muxServer = attachMuxServer(agent);
    const payload = Uint8Array.from({ length: 200 * 1024 }, (_, index) => (index * 7) & 0xff);
    muxServer.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.end(payload);
    });
    const stream = muxClient.openStream();
    stream.on('error', () => undefined);
    // Do not read for a while: the bucket fills and the channel refuses further Output.
    for (let index = 0; index < 5; index++) await yieldToEventLoop();
    expect(client.channel.stats.deliveriesRefused).toBeGreaterThan(0);
    expect(agent.channel.unacknowledgedCount).toBeGreaterThan(0);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => stream.once('end', resolve));
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(payload));
    client.close();
    agent.close();
  });
});
