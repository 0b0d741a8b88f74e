import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { AgentDataChannel } from '../src/data-channel/agent-data-channel.js';
import { ClientDataChannel } from '../src/data-channel/client-data-channel.js';
import { attachMuxClient } from '../src/data-channel/port-mux.js';
import { createSocketPair, type MemorySocket } from '../src/testing/index.js';
import { yieldToEventLoop } from '../src/testing/fake-clock.js';
import { decodeClientMessage, type ClientMessage } from '../src/wire/client-message.js';

interface Capture {
  description: string;
  dir: string;
  hex: string;
}
const captures = (
  JSON.parse(
    readFileSync(new URL('../src/wire/__fixtures__/captures.json', import.meta.url), 'utf8'),
  ) as { frames: Capture[] }
).frames;
const frame = (index: number): Uint8Array =>
  Uint8Array.from(Buffer.from(captures[index]!.hex, 'hex'));
const decoded = (index: number): ClientMessage => decodeClientMessage(frame(index));
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Records every frame `socket` sends (text frames as strings). */
function record(socket: MemorySocket): (Uint8Array | string)[] {
  const sent: (Uint8Array | string)[] = [];
  const send = socket.send.bind(socket);
  socket.send = (data) => {
    sent.push(typeof data === 'string' ? data : data.slice());
    send(data);
  };
  return sent;
}

/** Header fields that must match a captured frame (everything but time, id and digest). */
const shape = (message: ClientMessage) => ({
  messageType: message.messageType,
  schemaVersion: message.schemaVersion,
  sequenceNumber: message.sequenceNumber,
  flags: message.flags,
  payloadType: message.payloadType,
});

const HEADER_LENGTH = (bytes: Uint8Array): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
const TYPE_FIELD = (bytes: Uint8Array): string =>
  Buffer.from(bytes.subarray(4, 36)).toString('latin1');

describe('what our client sends matches the official plugin (captures.json)', () => {
  test('open frame: same fields in the same order, fresh RequestId, stable ClientId', () => {
    const { client: socket, agent: peer } = createSocketPair();
    peer.setHandlers({ message: () => undefined, close: () => undefined, error: () => undefined });
    const sent = record(socket);
    const channel = new ClientDataChannel({ keepAliveIntervalMs: 0 });
    channel.attach(socket, { tokenValue: 'ctok-secret' });
    const ours = JSON.parse(sent[0] as string) as Record<string, string>;
    const theirs = JSON.parse(text(frame(0))) as Record<string, string>;
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(ours).toMatchObject({
      MessageSchemaVersion: '1.0',
      TokenValue: 'ctok-secret',
      ClientId: channel.clientId,
      ClientVersion: '1.2.707.0',
    });
    expect(ours.RequestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    channel.close();
  });

  test('ack of the HandshakeRequest and the HandshakeResponse are byte-identical apart from time and id', async () => {
    const { client: socket, agent: peer } = createSocketPair();
    peer.setHandlers({ message: () => undefined, close: () => undefined, error: () => undefined });
    const sent = record(socket);
    const channel = new ClientDataChannel({ clientVersion: '1.2.677.0', keepAliveIntervalMs: 0 });
    channel.attach(socket, { tokenValue: 'token' });
    peer.send(frame(2)); // the agent's HandshakeRequest
    await yieldToEventLoop();
    const binary = sent.filter((item): item is Uint8Array => typeof item !== 'string');
    expect(binary).toHaveLength(2);
    const [ack, response] = binary as [Uint8Array, Uint8Array];
    // ack: header shape, padding and payload bytes equal the plugin's (same acked message).
    expect(HEADER_LENGTH(ack)).toBe(116);
    expect(TYPE_FIELD(ack)).toBe(TYPE_FIELD(frame(3)));
    expect(shape(decodeClientMessage(ack))).toEqual(shape(decoded(3)));
    expect(text(decodeClientMessage(ack).payload)).toBe(text(decoded(3).payload));
    expect(decodeClientMessage(ack).payloadDigest).toEqual(decoded(3).payloadDigest);
    // HandshakeResponse: input_stream_data seq 0 flags 0 PayloadType 6 with the plugin's JSON.
    expect(TYPE_FIELD(response)).toBe(TYPE_FIELD(frame(4)));
    expect(shape(decodeClientMessage(response))).toEqual(shape(decoded(4)));
    expect(text(decodeClientMessage(response).payload)).toBe(text(decoded(4).payload));
    channel.close();
  });

  test('first smux message is the SYN for stream 3 alone, seq 1; Ctrl-C sends Flag TerminateSession', async () => {
    const { client: socket, agent: peer } = createSocketPair();
    peer.setHandlers({ message: () => undefined, close: () => undefined, error: () => undefined });
    const sent = record(socket);
    const channel = new ClientDataChannel({ keepAliveIntervalMs: 0 });
    const complete = new Promise((resolve) => channel.once('handshake-complete', resolve));
    channel.attach(socket, { tokenValue: 'token' });
    peer.send(frame(2));
    await yieldToEventLoop();
    peer.send(frame(6)); // HandshakeComplete
    expect(await complete).toMatchObject({
      sessionType: 'Port',
      portMode: 'mux',
      agentVersion: '3.3.1142.0',
      properties: {
        host: '127.0.0.1',
        localPortNumber: '17800',
        portNumber: '17777',
        type: 'LocalPortForwarding',
      },
      customerMessage: '',
      handshakeTimeToCompleteNs: 2_031_401,
    });
    const mux = attachMuxClient(channel);
    const stream = mux.openStream();
    const streamError = new Promise((resolve) => stream.once('error', resolve));
    await yieldToEventLoop();
    const dataFrames = sent
      .filter((item): item is Uint8Array => typeof item !== 'string')
      .map((bytes) => decodeClientMessage(bytes))
      .filter((message) => message.messageType === 'input_stream_data');
    const syn = dataFrames.at(-1)!;
    expect(shape(syn)).toEqual(shape(decoded(7)));
    expect(syn.payload).toEqual(decoded(7).payload);

    channel.terminate();
    const last = decodeClientMessage(sent.at(-1) as Uint8Array);
    expect({ ...shape(last), sequenceNumber: 0 }).toEqual({
      ...shape(decoded(9)),
      sequenceNumber: 0,
    });
    expect(last.sequenceNumber).toBe(2);
    expect(last.payload).toEqual(decoded(9).payload);
    expect(socket.isOpen).toBe(false);
    expect(await streamError).toMatchObject({ code: 'ERR_PROTOCOL_CLOSED' });
  });
});

describe('what our agent role sends matches the real agent (captures.json)', () => {
  test('HandshakeRequest (seq 0, flags 1), its ack of the response, HandshakeComplete (seq 1, flags 0)', async () => {
    const { client: peer, agent: socket } = createSocketPair();
    peer.setHandlers({ message: () => undefined, close: () => undefined, error: () => undefined });
    const sent = record(socket);
    const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
    agent.attach(socket);
    const handshake = agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      properties: {
        host: '127.0.0.1',
        localPortNumber: '17800',
        portNumber: '17777',
        type: 'LocalPortForwarding',
      },
    });
    const request = decodeClientMessage(sent[0] as Uint8Array);
    expect(TYPE_FIELD(sent[0] as Uint8Array)).toBe(TYPE_FIELD(frame(2)));
    expect(shape(request)).toEqual(shape(decoded(2)));
    expect(text(request.payload)).toBe(text(decoded(2).payload));
    peer.send(frame(4)); // the plugin's HandshakeResponse
    const result = await handshake;
    expect(result).toMatchObject({
      clientVersion: '1.2.677.0',
      portMode: 'mux',
      gates: { mux: true, smuxKeepAliveDisabled: true },
    });
    const [ack, complete] = (sent.slice(1) as Uint8Array[]).map((bytes) =>
      decodeClientMessage(bytes),
    );
    expect(shape(ack!)).toEqual(shape(decoded(5)));
    expect(text(ack!.payload)).toBe(text(decoded(5).payload));
    expect(shape(complete!)).toEqual(shape(decoded(6)));
    expect(Object.keys(JSON.parse(text(complete!.payload)) as object)).toEqual([
      'HandshakeTimeToComplete',
      'CustomerMessage',
    ]);
    agent.close();
  });

  test('ConnectToPortError flag frame', () => {
    const { client: peer, agent: socket } = createSocketPair();
    peer.setHandlers({ message: () => undefined, close: () => undefined, error: () => undefined });
    const sent = record(socket);
    const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
    agent.attach(socket);
    for (let index = 0; index < 3; index++) agent.sendData(new Uint8Array([index + 1]));
    agent.sendFlag(3);
    const flag = decodeClientMessage(sent.at(-1) as Uint8Array);
    expect({ ...shape(flag), sequenceNumber: 0 }).toEqual({
      ...shape(decoded(8)),
      sequenceNumber: 0,
    });
    expect(flag.payload).toEqual(decoded(8).payload);
    agent.close();
  });
});
