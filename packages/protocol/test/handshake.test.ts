import { describe, expect, test } from 'vitest';
import {
  AgentDataChannel,
  type AgentHandshakeOptions,
} from '../src/data-channel/agent-data-channel.js';
import {
  ClientDataChannel,
  type ClientHandshakeResult,
} from '../src/data-channel/client-data-channel.js';
import { splitDataKey } from '../src/handshake/index.js';
import { createSocketPair, FakeClock, yieldToEventLoop } from '../src/testing/index.js';
import { portForwardingProperties } from './helpers.js';

function connect(options: { clientVersion?: string; clock?: FakeClock } = {}) {
  const { client: clientSocket, agent: agentSocket } = createSocketPair();
  const client = new ClientDataChannel({
    clientVersion: options.clientVersion,
    clock: options.clock,
    keepAliveIntervalMs: 0,
  });
  const agent = new AgentDataChannel({ clock: options.clock, keepAliveIntervalMs: 0 });
  const complete = new Promise<ClientHandshakeResult>((resolve) =>
    client.once('handshake-complete', resolve),
  );
  client.attach(clientSocket, { tokenValue: 'token' });
  agent.attach(agentSocket);
  return { client, agent, complete, clientSocket, agentSocket };
}

async function handshake(request: AgentHandshakeOptions, clientVersion?: string) {
  const { client, agent, complete } = connect({ clientVersion });
  const agentResult = await agent.startHandshake(request);
  const clientResult = await complete;
  client.close();
  agent.close();
  return { agentResult, clientResult };
}

describe('handshake client ↔ agent', () => {
  test.each([
    // agent version, properties, client mode, agent mode
    ['3.3.1142.0', portForwardingProperties(), 'mux', 'mux'],
    ['3.0.222.0', portForwardingProperties(), 'mux', 'mux'],
    ['3.0.196.0', portForwardingProperties(), 'basic', 'mux'], // such agents have no smux at all
    ['2.3.722.0', portForwardingProperties(), 'basic', 'mux'],
    ['3.3.1142.0', { portNumber: '22' }, 'stdio', 'basic'], // AWS-StartSSHSession
    [
      '3.3.1142.0',
      {
        host: 'db.internal',
        portNumber: '5432',
        localPortNumber: '0',
        type: 'LocalPortForwarding',
      },
      'mux',
      'mux',
    ],
  ] as const)(
    'agent %s with %o → client %s, agent %s',
    async (agentVersion, properties, clientMode, agentMode) => {
      const { agentResult, clientResult } = await handshake({
        agentVersion,
        sessionType: 'Port',
        properties: { ...properties },
      });
      expect(clientResult.portMode).toBe(clientMode);
      expect(clientResult.sessionKind).toBe('port');
      expect(agentResult.portMode).toBe(agentMode);
      expect(agentResult.clientVersion).toBe('1.2.707.0');
      expect(agentResult.gates.smuxKeepAliveDisabled).toBe(true);
    },
  );

  test('client gates follow the agent version', async () => {
    const { clientResult } = await handshake({
      agentVersion: '3.1.1511.0',
      sessionType: 'Port',
      properties: portForwardingProperties(),
    });
    expect(clientResult.gates).toEqual({
      mux: true,
      terminateSessionFlag: true,
      smuxKeepAliveDisabled: false,
    });
  });

  test('an old ClientVersion makes the agent choose basic mode and keep smux keep-alive', async () => {
    const { agentResult } = await handshake(
      { agentVersion: '3.3.1142.0', sessionType: 'Port', properties: portForwardingProperties() },
      '1.1.61.0',
    );
    expect(agentResult.portMode).toBe('basic');
    expect(agentResult.gates.smuxKeepAliveDisabled).toBe(false);
  });

  test('shell session: sessionKind shell, no port mode, CustomerMessage passed through', async () => {
    const { agentResult, clientResult } = await handshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Standard_Stream',
      properties: null,
      customerMessage: 'hello',
    });
    expect(clientResult).toMatchObject({
      sessionType: 'Standard_Stream',
      sessionKind: 'shell',
      portMode: undefined,
      customerMessage: 'hello',
      properties: null,
    });
    expect(agentResult.portMode).toBeUndefined();
  });

  test('the agent acks and discards client stream data sent before HandshakeComplete (§6.1 gate)', async () => {
    const { client, agent, complete } = connect();
    const received: string[] = [];
    agent.on('data', (payload) => received.push(new TextDecoder().decode(payload)));
    const handshake = agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      properties: portForwardingProperties(),
    });
    client.sendData(new TextEncoder().encode('too early')); // seq 0 — before the response
    await handshake;
    await complete;
    client.sendData(new TextEncoder().encode('on time'));
    await yieldToEventLoop();
    await yieldToEventLoop();
    expect(received).toEqual(['on time']);
    expect(client.channel.unacknowledgedCount).toBe(0); // the early message was acked all the same
    client.close();
    agent.close();
  });

  test('times out after 15 s without a HandshakeResponse (ERR_PROTOCOL_HANDSHAKE_FAILED)', async () => {
    const clock = new FakeClock();
    const agent = new AgentDataChannel({ clock, keepAliveIntervalMs: 0 });
    const { agent: socket } = createSocketPair();
    agent.attach(socket); // nobody answers on the other end
    const outcome = agent
      .startHandshake({
        agentVersion: '3.3.1142.0',
        sessionType: 'Port',
        properties: portForwardingProperties(),
      })
      .then(
        () => 'resolved',
        (error: unknown) => error,
      );
    await clock.advanceAsync(14_900, 100);
    let settled = false;
    void outcome.then(() => (settled = true));
    await yieldToEventLoop();
    expect(settled).toBe(false);
    await clock.advanceAsync(200, 100);
    expect(await outcome).toMatchObject({
      code: 'ERR_PROTOCOL_HANDSHAKE_FAILED',
      reason: 'handshake',
    });
    agent.close();
  });

  test('an unknown session type fails the handshake on both sides', async () => {
    const { client, agent } = connect();
    const outcome = agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Teleport',
      properties: null,
    });
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_PROTOCOL_HANDSHAKE_FAILED' });
    await expect(outcome).rejects.toThrow(/Unknown session type Teleport/);
    client.close();
    agent.close();
  });

  test('a client attaching late still completes the handshake (fake clock)', async () => {
    const clock = new FakeClock();
    const { client: clientSocket, agent: agentSocket } = createSocketPair();
    const agent = new AgentDataChannel({ clock, keepAliveIntervalMs: 0 });
    agent.attach(agentSocket);
    const result = agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      properties: portForwardingProperties(),
    });
    await clock.advanceAsync(1_000, 50);
    const client = new ClientDataChannel({ clock, keepAliveIntervalMs: 0 });
    client.attach(clientSocket, { tokenValue: 'token' });
    await clock.advanceAsync(1_000, 50);
    await expect(result).resolves.toMatchObject({ portMode: 'mux' });
    expect(agent.channel.stats.messagesSent).toBe(2);
    client.close();
    agent.close();
  });
});

describe('KMS-encrypted shell session (client kms callback ↔ agent decryptDataKey)', () => {
  const dataKey = Uint8Array.from({ length: 64 }, (_, index) => index * 3 + 1);
  const cipherBlob = new TextEncoder().encode('cipher-text-key');

  function kmsPair(options: { agentKey?: Uint8Array; timeoutMs?: number } = {}) {
    const { client: clientSocket, agent: agentSocket } = createSocketPair();
    const kmsCalls: unknown[] = [];
    const client = new ClientDataChannel({
      keepAliveIntervalMs: 0,
      kms: async (parameters) => {
        kmsCalls.push(parameters);
        return { actionResult: { kmsCipherTextKey: cipherBlob }, keys: splitDataKey(dataKey) };
      },
    });
    const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
    const complete = new Promise<ClientHandshakeResult>((resolve) =>
      client.once('handshake-complete', resolve),
    );
    client.attach(clientSocket, { tokenValue: 'token' });
    agent.attach(agentSocket);
    const handshake = agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Standard_Stream',
      properties: null,
      timeoutMs: options.timeoutMs,
      kms: {
        kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/EXAMPLE',
        decryptDataKey: async (blob) => {
          expect(blob).toEqual(cipherBlob);
          return options.agentKey ?? dataKey;
        },
      },
    });
    return { client, agent, complete, handshake, kmsCalls, clientSocket };
  }

  test('challenge round trip, KMS CustomerMessage, and Output encrypted on the wire both ways', async () => {
    const { client, agent, complete, handshake, kmsCalls, clientSocket } = kmsPair();
    const agentResult = await handshake;
    const clientResult = await complete;
    expect(agentResult.encrypted).toBe(true);
    expect(clientResult).toMatchObject({
      encrypted: true,
      sessionKind: 'shell',
      customerMessage: 'This session is encrypted using AWS KMS.',
    });
    expect(kmsCalls).toEqual([{ kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/EXAMPLE' }]);

    const wire: Uint8Array[] = [];
    const send = clientSocket.send.bind(clientSocket);
    clientSocket.send = (data) => {
      if (typeof data !== 'string') wire.push(data.slice());
      send(data);
    };
    let closeError: unknown;
    client.on('close', (error) => (closeError = error));
    const atAgent: string[] = [];
    const atClient: string[] = [];
    agent.on('data', (payload) => atAgent.push(new TextDecoder().decode(payload)));
    client.on('data', (payload) => atClient.push(new TextDecoder().decode(payload)));
    client.sendData(new TextEncoder().encode('ls -la\r'));
    agent.sendData(new TextEncoder().encode('total 0\r\n'));
    for (let index = 0; index < 3; index++) await yieldToEventLoop();
    expect(closeError).toBeUndefined();
    expect(atAgent).toEqual(['ls -la\r']);
    expect(atClient).toEqual(['total 0\r\n']);
    const output = wire.find((frame) => Buffer.from(frame).includes('input_stream_data'))!;
    expect(output.byteLength).toBe(120 + 7 + 28); // nonce + tag
    expect(Buffer.from(output).includes('ls -la')).toBe(false);
    client.close();
    agent.close();
  });

  test('a data key that differs between the two sides fails the handshake', async () => {
    const { client, agent, handshake } = kmsPair({
      agentKey: new Uint8Array(64).fill(9),
      timeoutMs: 300,
    });
    const clientClosed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
    // The client cannot decrypt the challenge (wrong agent key) and fails; the agent times out.
    expect(await clientClosed).toMatchObject({ code: 'ERR_PROTOCOL_ENCRYPTION' });
    await expect(handshake).rejects.toMatchObject({ code: 'ERR_PROTOCOL_HANDSHAKE_FAILED' });
    client.close();
    agent.close();
  });

  test('without a kms handler the client fails the KMSEncryption action', async () => {
    const { client: clientSocket, agent: agentSocket } = createSocketPair();
    const client = new ClientDataChannel({ keepAliveIntervalMs: 0 });
    const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
    client.attach(clientSocket, { tokenValue: 'token' });
    agent.attach(agentSocket);
    await expect(
      agent.startHandshake({
        agentVersion: '3.3.1142.0',
        sessionType: 'Standard_Stream',
        properties: null,
        kms: { kmsKeyId: 'key', decryptDataKey: async () => dataKey },
      }),
    ).rejects.toThrow(/KMSEncryption failed on client/);
    client.close();
    agent.close();
  });
});
