import { describe, expect, test } from 'vitest';
import { AgentDataChannel } from '../src/data-channel/agent-data-channel.js';
import { ClientDataChannel } from '../src/data-channel/client-data-channel.js';
import { attachMuxClient, attachMuxServer } from '../src/data-channel/port-mux.js';
import { createSocketPair } from '../src/testing/index.js';
import { patternBytes, portForwardingProperties, readAll, sha256Hex, writeAll } from './helpers.js';

describe('smoke', () => {
  test('client and agent exchange data over smux', async () => {
    const { client: cs, agent: as } = createSocketPair();
    const client = new ClientDataChannel();
    const agent = new AgentDataChannel();
    const complete = new Promise((resolve) => client.once('handshake-complete', resolve));
    client.attach(cs, { tokenValue: 'token' });
    agent.attach(as);
    const result = await agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      properties: portForwardingProperties(),
    });
    expect(result.portMode).toBe('mux');
    expect(await complete).toMatchObject({ portMode: 'mux' });
    const muxClient = attachMuxClient(client);
    const muxServer = attachMuxServer(agent);
    const up = patternBytes(300_000, 1);
    const down = patternBytes(200_000, 2);
    const serverDone = new Promise<{ length: number; sha256: string }>((resolve, reject) => {
      muxServer.on('stream', (stream) => {
        readAll(stream).then(resolve, reject);
        writeAll(stream, down).catch(reject);
      });
    });
    const stream = muxClient.openStream();
    const [clientRead, , serverRead] = await Promise.all([
      readAll(stream),
      writeAll(stream, up),
      serverDone,
    ]);
    expect(serverRead).toEqual({ length: up.byteLength, sha256: sha256Hex(up) });
    expect(clientRead).toEqual({ length: down.byteLength, sha256: sha256Hex(down) });
    client.close();
    agent.close();
  });
});
