import { describe, expect, test } from 'vitest';
import type { Clock } from '../src/clock.js';
import { AgentDataChannel } from '../src/data-channel/agent-data-channel.js';
import { ClientDataChannel } from '../src/data-channel/client-data-channel.js';
import { attachMuxClient, attachMuxServer } from '../src/data-channel/port-mux.js';
import type { RetransmissionPolicy } from '../src/channel/reliable-channel.js';
import type { MuxStream } from '../src/mux/index.js';
import { createLossyLink, FakeClock, type LossyLinkOptions } from '../src/testing/index.js';
import { patternBytes, portForwardingProperties, sha256Hex, writeAll } from './helpers.js';
import { createHash } from 'node:crypto';

interface TransferPlan {
  streams: number;
  bytesPerStream: number;
  policy: RetransmissionPolicy;
  link: LossyLinkOptions;
  /** Kill the socket when this fraction of all bytes (both directions) has arrived. */
  killAt: number[];
  clock?: FakeClock;
}

interface Received {
  length: number;
  sha256: string;
}

function reader(stream: MuxStream, onBytes: (count: number) => void): Promise<Received> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let length = 0;
    stream.on('data', (chunk: Uint8Array) => {
      hash.update(chunk);
      length += chunk.byteLength;
      onBytes(chunk.byteLength);
    });
    stream.once('end', () => resolve({ length, sha256: hash.digest('hex') }));
    stream.once('error', reject);
  });
}

const upSeed = (id: number): number => 0x1000 + id;
const downSeed = (id: number): number => 0x2000 + id;

/** Awaits `promise`; with a fake clock, advances it in 10 ms steps until the promise settles. */
async function settle<T>(promise: Promise<T>, clock: FakeClock | undefined): Promise<T> {
  if (clock !== undefined) {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    for (let step = 0; step < 200_000 && !done; step++) await clock.advanceAsync(10, 10);
  }
  return promise;
}

async function runTransfer(
  plan: TransferPlan,
): Promise<{ kills: number; retransmissions: number }> {
  const clock: Clock | undefined = plan.clock;
  const link = createLossyLink({ ...plan.link, clock });
  const client = new ClientDataChannel({
    retransmission: plan.policy,
    clock,
    keepAliveIntervalMs: 0,
  });
  const agent = new AgentDataChannel({
    retransmission: plan.policy,
    clock,
    keepAliveIntervalMs: 0,
  });
  const connect = (): void => {
    const { client: clientSocket, agent: agentSocket } = link.connect();
    client.attach(clientSocket, { tokenValue: 'token' });
    agent.attach(agentSocket);
  };
  // The owner's reconnect path: on socket loss, resume with a new socket (both ends).
  client.on('socket-close', () => {
    if (!client.isClosed) connect();
  });
  connect();
  const handshake = new Promise((resolve) => client.once('handshake-complete', resolve));
  const agentResult = await settle(
    agent.startHandshake({
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      properties: portForwardingProperties(5432),
      timeoutMs: 60_000,
    }),
    plan.clock,
  );
  expect(agentResult.portMode).toBe('mux');
  expect(await settle(handshake, plan.clock)).toMatchObject({ portMode: 'mux' });

  const total = plan.streams * plan.bytesPerStream * 2;
  let received = 0;
  const kills = [...plan.killAt];
  const onBytes = (count: number): void => {
    received += count;
    if (kills.length > 0 && received >= kills[0]! * total) {
      kills.shift();
      link.killSocket();
    }
  };

  const muxClient = attachMuxClient(client);
  const muxServer = attachMuxServer(agent);
  const serverResults = new Map<number, Promise<Received>>();
  const serverWrites: Promise<void>[] = [];
  let allServerStreams: () => void = () => undefined;
  const serverStreamsOpened = new Promise<void>((resolve) => (allServerStreams = resolve));
  muxServer.on('stream', (stream) => {
    serverResults.set(stream.id, reader(stream, onBytes));
    serverWrites.push(writeAll(stream, patternBytes(plan.bytesPerStream, downSeed(stream.id))));
    if (serverResults.size === plan.streams) allServerStreams();
  });
  const clientStreams = Array.from({ length: plan.streams }, () => muxClient.openStream());
  const clientReads = clientStreams.map((stream) => reader(stream, onBytes));
  const clientWrites = clientStreams.map((stream) =>
    writeAll(stream, patternBytes(plan.bytesPerStream, upSeed(stream.id))),
  );
  const serverDone = serverStreamsOpened.then(() =>
    Promise.all([...serverResults.values(), ...serverWrites]),
  );
  await settle(Promise.all([...clientReads, ...clientWrites, serverDone]), plan.clock);
  const clientResults = await Promise.all(clientReads);
  await Promise.all(clientWrites);
  await Promise.all(serverWrites);
  for (const [index, stream] of clientStreams.entries()) {
    const expectedDown = patternBytes(plan.bytesPerStream, downSeed(stream.id));
    expect(clientResults[index], `stream ${stream.id} agent→client`).toEqual({
      length: plan.bytesPerStream,
      sha256: sha256Hex(expectedDown),
    });
    const serverResult = await serverResults.get(stream.id)!;
    const expectedUp = patternBytes(plan.bytesPerStream, upSeed(stream.id));
    expect(serverResult, `stream ${stream.id} client→agent`).toEqual({
      length: plan.bytesPerStream,
      sha256: sha256Hex(expectedUp),
    });
  }
  expect(serverResults.size).toBe(plan.streams);
  const retransmissions =
    client.channel.stats.retransmissions + agent.channel.stats.retransmissions;
  client.close();
  agent.close();
  return { kills: link.stats.socketsKilled, retransmissions };
}

describe('client ↔ agent through a lossy link', () => {
  test('fast policy, real timers: 16 smux streams × 2 MiB each way, 10% drop, 5% duplicate, reordering, two socket kills', async () => {
    const started = Date.now();
    const { kills, retransmissions } = await runTransfer({
      streams: 16,
      bytesPerStream: 2 * 1024 * 1024,
      policy: 'fast',
      link: {
        drop: 0.1,
        duplicate: 0.05,
        reorder: 0.05,
        seed: Number(process.env.SSMKIT_TEST_SEED ?? 0x5eed),
      },
      killAt: [1 / 3, 2 / 3],
    });
    expect(kills).toBe(2);
    expect(retransmissions).toBeGreaterThan(0);
    console.log(`fast transfer: ${Date.now() - started} ms, ${retransmissions} retransmissions`);
  }, 120_000);

  test('faithful policy, fake clock: 2 smux streams × 64 KiB each way, same faults and two kills', async () => {
    const clock = new FakeClock();
    const startedAt = clock.now();
    const { kills } = await runTransfer({
      streams: 2,
      bytesPerStream: 64 * 1024,
      policy: 'faithful',
      link: {
        drop: 0.1,
        duplicate: 0.05,
        reorder: 0.05,
        jitterMs: 3,
        seed: Number(process.env.SSMKIT_TEST_SEED ?? 0xfa17),
      },
      killAt: [1 / 3, 2 / 3],
      clock,
    });
    expect(kills).toBe(2);
    console.log(`faithful transfer: ${clock.now() - startedAt} ms of fake time`);
  }, 120_000);
});
