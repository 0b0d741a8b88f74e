import { once } from 'node:events';
import { ResumeSessionCommand, SSMClient, StartSessionCommand } from '@aws-sdk/client-ssm';
import {
  ClientDataChannel,
  attachMuxClient,
  connectWebSocket,
  type ClientHandshakeResult,
  type MuxStream,
} from '@ssmkit/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  createAgentDataChannelService,
  type AgentDataChannelService,
} from '../src/agent/agent-service.js';
import { startEmulator, type Emulator } from '../src/index.js';
import type { Faults } from '../src/world/schema.js';
import { randomPayload, sha256, startEchoServer } from './helpers/echo-server.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let echo: Awaited<ReturnType<typeof startEchoServer>>;
beforeAll(async () => {
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
});

const running: Emulator[] = [];
const channels: ClientDataChannel[] = [];
afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close();
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

/**
 * Opens a mux port session through an emulator with `faults`, reconnecting with ResumeSession
 * whenever the socket drops, and echoes `streams` payloads of `size` bytes through it.
 */
async function transferWithFaults(
  faults: Partial<Faults>,
  options: {
    streams?: number;
    size?: number;
    pace?: boolean;
    retransmission?: 'faithful' | 'fast';
  } = {},
): Promise<{ service: AgentDataChannelService; reconnects: number }> {
  // A fixed seed keeps the fault pattern reproducible.
  let seed = 0x2545f491;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const emulator = await startEmulator({
    port: 0,
    faults,
    pace: options.pace ?? false,
    dataChannel: (state) =>
      createAgentDataChannelService(state, {
        random,
        ...(options.retransmission === undefined ? {} : { retransmission: options.retransmission }),
      }),
  });
  running.push(emulator);
  const ssm = new SSMClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
  const started = await ssm.send(
    new StartSessionCommand({
      Target: 'i-0123456789abcdef0',
      DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
      Parameters: { host: ['127.0.0.1'], portNumber: [String(echo.port)] },
    }),
  );
  const channel = new ClientDataChannel();
  channels.push(channel);
  let reconnects = 0;
  channel.on('socket-close', () => {
    if (channel.isClosed) return;
    reconnects++;
    void (async () => {
      const resumed = await ssm.send(new ResumeSessionCommand({ SessionId: started.SessionId }));
      channel.attach(await connectWebSocket(resumed.StreamUrl!), {
        tokenValue: resumed.TokenValue!,
      });
    })();
  });
  const handshake = once(channel, 'handshake-complete') as Promise<[ClientHandshakeResult]>;
  channel.attach(await connectWebSocket(started.StreamUrl!), { tokenValue: started.TokenValue! });
  await handshake;
  const mux = attachMuxClient(channel, { keepAlive: false });
  const payloads = Array.from({ length: options.streams ?? 4 }, () =>
    randomPayload(options.size ?? 64 * 1024),
  );
  const results = await Promise.all(
    payloads.map((payload) => echoThrough(mux.openStream(), payload.bytes)),
  );
  results.forEach((result, index) => {
    expect(result.byteLength).toBe(payloads[index]!.bytes.byteLength);
    expect(sha256(result)).toBe(payloads[index]!.sha256);
  });
  return { service: emulator.dataChannel as AgentDataChannelService, reconnects };
}

async function echoThrough(stream: MuxStream, bytes: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  const ended = once(stream, 'end');
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.byteLength;
    if (received >= bytes.byteLength) stream.end();
  });
  stream.write(bytes);
  await ended;
  return Buffer.concat(chunks);
}

describe('fault switches take effect and lose nothing', () => {
  test('--fault-drop: frames are dropped both ways, every byte still arrives', async () => {
    const { service } = await transferWithFaults({ drop: 0.05 });
    const [info] = service.sessions();
    expect(info!.faults.dropped).toBeGreaterThan(0);
  });

  test('--fault-duplicate: frames are sent twice, no byte is delivered twice', async () => {
    const { service } = await transferWithFaults({ duplicate: 0.1 });
    expect(service.sessions()[0]!.faults.duplicated).toBeGreaterThan(0);
  });

  test('--fault-reorder: frames are held back, the stream stays in order', async () => {
    const { service } = await transferWithFaults({ reorder: 0.1 });
    expect(service.sessions()[0]!.faults.reordered).toBeGreaterThan(0);
  });

  test('--fault-delay-ms: every frame is delayed', async () => {
    const { service } = await transferWithFaults({ delayMs: 5 }, { streams: 2, size: 16 * 1024 });
    expect(service.sessions()[0]!.faults.delayed).toBeGreaterThan(0);
  });

  test('--fault-delay-jitter-ms: frames get random delays, streams stay intact', async () => {
    const { service } = await transferWithFaults(
      { delayJitterMs: 10, reorder: 0.05 },
      { streams: 2, size: 32 * 1024 },
    );
    expect(service.sessions()[0]!.faults.delayed).toBeGreaterThan(0);
  });

  test('agentRetransmission fast: the agent recovers drops with its fast policy', async () => {
    const { service } = await transferWithFaults(
      { drop: 0.05 },
      { streams: 2, size: 128 * 1024, retransmission: 'fast' },
    );
    const info = service.sessions()[0]!;
    expect(info.retransmission).toBe('fast');
    expect(info.faults.dropped).toBeGreaterThan(0);
  });

  test('the agent defaults to the faithful policy', async () => {
    const { service } = await transferWithFaults({}, { streams: 1, size: 1024 });
    expect(service.sessions()[0]!.retransmission).toBe('faithful');
  });

  test('--fault-kill-socket-every: sockets die, ResumeSession continues the same sequence', async () => {
    const { service, reconnects } = await transferWithFaults(
      { killSocketEveryMs: 300 },
      // Paced like the real agent (~1 MB/s), so the transfer spans several kills.
      { streams: 4, size: 256 * 1024, pace: true },
    );
    expect(reconnects).toBeGreaterThan(0);
    expect(service.sessions()[0]!.sockets).toBe(reconnects + 1);
  });
});
