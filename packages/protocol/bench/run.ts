/**
 * Benchmarks of @ssmkit/protocol: ClientMessage encode+decode rate and data-channel throughput
 * (client → agent and agent → client, smux streams over the in-memory socket pair). Each figure is
 * printed beside a baseline measured in the same run — SHA-256 plus a copy of the same bytes, the
 * least work any implementation must do per byte — so results compare across machines.
 *
 * Usage: `pnpm bench:protocol` at the root (full), or `pnpm bench --quick` in this package (small
 * sizes). Writes bench/results/latest.json. The end-to-end tunnel benchmarks are in /bench.
 * Not a test: nothing here asserts on timing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgentDataChannel,
  ClientDataChannel,
  attachMuxClient,
  attachMuxServer,
  decodeClientMessage,
  encodeClientMessage,
  type MuxSession,
  type MuxStream,
} from '../src/index.js';
import { createSocketPair } from '../src/testing/index.js';

const quick = process.argv.includes('--quick');

interface Result {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  /** value / baseline: the fraction of the baseline's rate reached. */
  ratio: number;
  detail: Record<string, number | string>;
}

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[index] = state & 0xff;
  }
  return out;
}

/** Baseline: SHA-256 + copy of `chunkSize`-byte pieces of `data`; returns bytes/s (best of 3). */
function baselineRate(data: Uint8Array, chunkSize: number): number {
  return Math.max(...[1, 2, 3].map(() => baselineOnce(data, chunkSize)));
}

function baselineOnce(data: Uint8Array, chunkSize: number): number {
  const sink = new Uint8Array(chunkSize);
  const started = performance.now();
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    const chunk = data.subarray(offset, offset + chunkSize);
    createHash('sha256').update(chunk).digest();
    sink.set(chunk);
  }
  const seconds = (performance.now() - started) / 1000;
  return data.byteLength / seconds;
}

function benchCodec(): Result {
  const count = quick ? 20_000 : 200_000;
  const payload = pattern(1024, 1);
  // warm-up
  for (let index = 0; index < 2_000; index++)
    decodeClientMessage(encodeClientMessage(message(index)));
  const started = performance.now();
  let checksum = 0;
  for (let index = 0; index < count; index++) {
    const decoded = decodeClientMessage(encodeClientMessage(message(index)));
    checksum += decoded.payload.byteLength;
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = count / seconds;
  const baselineData = pattern(1024 * Math.min(count, 50_000), 2);
  const baseline = baselineRate(baselineData, 1024) / 1024;
  return {
    name: 'encode+decode 1 KiB ClientMessage',
    value: rate,
    unit: 'msg/s',
    baseline,
    baselineName: 'SHA-256 + copy of 1 KiB',
    ratio: rate / baseline,
    detail: { messages: count, checksum },
  };

  function message(index: number) {
    return {
      messageType: 'input_stream_data',
      schemaVersion: 1,
      createdDate: 1_700_000_000_000,
      sequenceNumber: index,
      flags: 0,
      messageId: 'dd01e56b-ff48-483e-a508-b5f073f31b16',
      payloadType: 1,
      payload,
    };
  }
}

function drainStream(stream: MuxStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let length = 0;
    stream.on('data', (chunk: Uint8Array) => (length += chunk.byteLength));
    stream.once('end', () => resolve(length));
    stream.once('error', reject);
  });
}

async function writeStream(stream: MuxStream, data: Uint8Array): Promise<void> {
  const chunk = 32 * 1024;
  for (let offset = 0; offset < data.byteLength; offset += chunk) {
    if (!stream.write(data.subarray(offset, offset + chunk))) {
      await new Promise((resolve) => stream.once('drain', resolve));
    }
  }
  await new Promise<void>((resolve) => stream.end(resolve));
}

async function benchChannel(direction: 'client→agent' | 'agent→client'): Promise<Result> {
  const streams = 4;
  const perStream = (quick ? 2 : 16) * 1024 * 1024;
  const data = pattern(perStream, 3);
  const { client: clientSocket, agent: agentSocket } = createSocketPair();
  const client = new ClientDataChannel({ keepAliveIntervalMs: 0 });
  const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
  const complete = new Promise((resolve) => client.once('handshake-complete', resolve));
  client.attach(clientSocket, { tokenValue: 'bench' });
  agent.attach(agentSocket);
  await agent.startHandshake({
    agentVersion: '3.3.1142.0',
    sessionType: 'Port',
    properties: { portNumber: '80', type: 'LocalPortForwarding' },
  });
  await complete;
  const muxClient: MuxSession = attachMuxClient(client);
  const muxServer = attachMuxServer(agent);
  const started = performance.now();
  const transfers: Promise<unknown>[] = [];
  muxServer.on('stream', (stream) => {
    stream.on('error', ignoreTeardown);
    if (direction === 'client→agent') {
      transfers.push(drainStream(stream));
      stream.end();
    } else {
      stream.resume();
      transfers.push(writeStream(stream, data));
    }
  });
  const opened = Array.from({ length: streams }, () => muxClient.openStream());
  for (const stream of opened) stream.on('error', ignoreTeardown);
  const clientSide = opened.map((stream) =>
    direction === 'client→agent'
      ? (stream.resume(), writeStream(stream, data))
      : drainStream(stream),
  );
  await Promise.all(clientSide);
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all(transfers);
  const seconds = (performance.now() - started) / 1000;
  const totalBytes = streams * perStream;
  const rate = totalBytes / seconds / 1e6;
  const baseline = baselineRate(pattern(totalBytes, 4), 1024) / 1e6;
  const stats = direction === 'client→agent' ? client.channel.stats : agent.channel.stats;
  client.close();
  agent.close();
  return {
    name: `channel ${direction} (${streams} smux streams)`,
    value: rate,
    unit: 'MB/s',
    baseline,
    baselineName: 'SHA-256 + copy, 1 KiB chunks',
    ratio: rate / baseline,
    detail: {
      bytes: totalBytes,
      seconds: Number(seconds.toFixed(3)),
      messages: stats.messagesSent,
      retransmissions: stats.retransmissions,
    },
  };
}

/** Streams still half-open when the channel closes at the end of a run are destroyed: fine. */
function ignoreTeardown(error: Error & { code?: string }): void {
  if (error.code !== 'ERR_PROTOCOL_CLOSED') throw error;
}

function format(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

async function main(): Promise<void> {
  const results: Result[] = [];
  results.push(benchCodec());
  results.push(await benchChannel('client→agent'));
  results.push(await benchChannel('agent→client'));

  const rows = results.map((result) => [
    result.name,
    `${format(result.value)} ${result.unit}`,
    `${format(result.baseline)} ${result.unit}`,
    `${(result.ratio * 100).toFixed(1)} %`,
  ]);
  const header = ['benchmark', 'result', 'baseline (SHA-256 + copy)', 'of baseline'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ');
  console.log(`@ssmkit/protocol bench${quick ? ' (--quick)' : ''} — node ${process.version}`);
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));

  const output = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(
    output,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        quick,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${output}`);
}

let finished = false;
process.on('beforeExit', () => {
  // Every timer of the channel is unref'd: a stalled transfer would otherwise exit silently.
  if (!finished) {
    console.error('bench stalled: the event loop emptied before the transfers finished');
    process.exitCode = 1;
  }
});

main()
  .then(() => (finished = true))
  .catch((error: unknown) => {
    finished = true;
    console.error(error);
    process.exitCode = 1;
  });
