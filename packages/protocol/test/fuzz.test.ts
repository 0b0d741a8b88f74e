// Fuzz: random and mutated frames (ClientMessage headers and payloads, smux frames inside
// Output payloads) into both roles of the data channel and into smux sessions. Whatever arrives,
// nothing may throw out of the library, every reported error must be an SsmError with a code,
// and each channel either keeps working (it still acknowledges a valid frame) or ends with a
// reason. Seeded, so a failure can be replayed; the frame rate is reported, never asserted.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { AgentDataChannel } from '../src/data-channel/agent-data-channel.js';
import { ClientDataChannel } from '../src/data-channel/client-data-channel.js';
import { attachMuxClient, attachMuxServer } from '../src/data-channel/port-mux.js';
import { SsmError } from '../src/errors/index.js';
import { MuxSession } from '../src/mux/index.js';
import { createPrng, createSocketPair, yieldToEventLoop } from '../src/testing/index.js';
import type { MemorySocket } from '../src/testing/memory-socket.js';
import {
  MessageType,
  PayloadType,
  PayloadTypeFlag,
  decodeClientMessage,
  encodeAcknowledge,
  encodeAgentSessionState,
  encodeChannelClosed,
  encodeClientMessage,
  encodeFlag,
} from '../src/index.js';
import { portForwardingProperties } from './helpers.js';

const SEED = Number(process.env.SSMKIT_FUZZ_SEED ?? 0x5eed1e55);
/** Frames into each data-channel role (rounds × frames per round). */
const ROUNDS_PER_ROLE = 300;
const FRAMES_PER_ROUND = 250;
/** Frames straight into decodeClientMessage and into smux sessions of each role. */
const DECODER_FRAMES = 50_000;
const MUX_FRAMES_PER_ROLE = 10_000;

type Random = () => number;

const captures = (
  JSON.parse(
    readFileSync(new URL('../src/wire/__fixtures__/captures.json', import.meta.url), 'utf8'),
  ) as { frames: { dir: string; hex: string }[] }
).frames;
/** True for frames that end a session by design (channel_closed, Flag TerminateSession). */
function endsSession(bytes: Uint8Array): boolean {
  const message = decodeClientMessage(bytes);
  if (message.messageType === MessageType.ChannelClosed) return true;
  return (
    message.payloadType === PayloadType.Flag &&
    message.payload.byteLength === 4 &&
    new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0) ===
      PayloadTypeFlag.TerminateSession
  );
}
const capturedFrames = (dir: 'c2a' | 'a2c', ending: boolean): Uint8Array[] =>
  captures
    .filter((frame) => frame.dir === dir)
    .map((frame) => Uint8Array.from(Buffer.from(frame.hex, 'hex')))
    .filter((bytes) => ending || !endsSession(bytes));
const CAPTURED = {
  c2a: capturedFrames('c2a', true),
  a2c: capturedFrames('a2c', true),
  c2aKeep: capturedFrames('c2a', false),
  a2cKeep: capturedFrames('a2c', false),
};

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;

function randomBytes(random: Random, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = int(random, 256);
  return bytes;
}

/** One smux v1 frame, valid or with a broken version, command, length or stream id. */
function smuxFrame(random: Random): Uint8Array {
  const dataLength = random() < 0.3 ? 0 : int(random, 300);
  const frame = new Uint8Array(8 + dataLength);
  const view = new DataView(frame.buffer);
  frame[0] = random() < 0.85 ? 1 : int(random, 256); // version
  frame[1] = random() < 0.9 ? int(random, 5) : int(random, 256); // SYN FIN PSH NOP UPD, or junk
  const length = random() < 0.8 ? dataLength : int(random, 65_536);
  view.setUint16(2, length, true);
  view.setUint32(4, random() < 0.7 ? 1 + 2 * int(random, 4) : int(random, 2 ** 32), true);
  frame.set(randomBytes(random, dataLength), 8);
  return frame;
}

function smuxPayload(random: Random): Uint8Array {
  const parts = Array.from({ length: 1 + int(random, 3) }, () => smuxFrame(random));
  const joined = Buffer.concat(parts);
  // Output payloads may split smux frames anywhere.
  return random() < 0.3 ? joined.subarray(0, int(random, joined.byteLength + 1)) : joined;
}

interface FrameSpec {
  messageType: string;
  sequenceNumber: number;
  flags: number;
  payloadType: number;
  payload: Uint8Array;
}

function encode(spec: FrameSpec): Uint8Array {
  return encodeClientMessage({
    ...spec,
    schemaVersion: 1,
    createdDate: Date.now(),
    messageId: randomUUID(),
  });
}

/** A well-formed frame (valid digest) of a kind `sender` sends, with a plausible or wild seq. */
function wellFormed(random: Random, sender: 'client' | 'agent', allowEnd: boolean): Uint8Array {
  const sequenceNumber = random() < 0.8 ? int(random, 12) : int(random, 2 ** 40);
  const dataType = sender === 'client' ? MessageType.InputStreamData : MessageType.OutputStreamData;
  const kind = int(random, 8);
  switch (kind) {
    case 0:
    case 1:
    case 2:
      return encode({
        messageType: dataType,
        sequenceNumber,
        flags: 0,
        payloadType: PayloadType.Output,
        payload: smuxPayload(random),
      });
    case 3:
      return encode({
        messageType: MessageType.Acknowledge,
        sequenceNumber: 0,
        flags: 3,
        payloadType: 0,
        payload: encodeAcknowledge({
          acknowledgedMessageType: dataType,
          acknowledgedMessageId: randomUUID(),
          acknowledgedMessageSequenceNumber: sequenceNumber,
          isSequentialMessage: true,
        }),
      });
    case 4:
      return encode({
        messageType: dataType,
        sequenceNumber,
        flags: 0,
        payloadType: PayloadType.Flag,
        payload: encodeFlag(
          pick(random, [
            PayloadTypeFlag.DisconnectToPort,
            PayloadTypeFlag.ConnectToPortError,
            int(random, 2 ** 32),
          ]),
        ),
      });
    case 5:
      return encode({
        messageType: pick(random, [
          MessageType.StartPublication,
          MessageType.PausePublication,
          MessageType.AgentSessionState,
          'something_new',
        ]),
        sequenceNumber: 0,
        flags: 3,
        payloadType: 0,
        payload: encodeAgentSessionState({
          schemaVersion: 1,
          sessionState: 'Connected',
          sessionId: 'fuzz',
        }),
      });
    case 6:
      // Session data of other payload types (Size, handshake payloads, junk JSON).
      return encode({
        messageType: dataType,
        sequenceNumber,
        flags: 0,
        payloadType: int(random, 14),
        payload: random() < 0.5 ? Buffer.from('{"x":1}') : randomBytes(random, 1 + int(random, 64)),
      });
    default:
      // In some rounds: channel_closed, which ends a client channel legitimately.
      if (allowEnd && random() < 0.1) {
        return encode({
          messageType: MessageType.ChannelClosed,
          sequenceNumber: 0,
          flags: 0,
          payloadType: 0,
          payload: encodeChannelClosed({
            messageId: randomUUID(),
            createdDate: new Date().toISOString(),
            destinationId: 'i-0123456789abcdef0',
            sessionId: 'fuzz',
            messageType: MessageType.ChannelClosed,
            schemaVersion: 1,
            output: 'fuzz',
          }),
        });
      }
      return pick(
        random,
        sender === 'client'
          ? allowEnd
            ? CAPTURED.c2a
            : CAPTURED.c2aKeep
          : allowEnd
            ? CAPTURED.a2c
            : CAPTURED.a2cKeep,
      );
  }
}

/**
 * Mutates a copy of an encoded frame: bit flips, field overwrites, truncation, growth. Only with
 * `allowEnd` may the MessageType become `channel_closed` (which ends any channel by design).
 */
function mutate(random: Random, input: Uint8Array, allowEnd: boolean): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input);
  const rounds = 1 + int(random, 3);
  for (let round = 0; round < rounds; round++) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const field = int(random, 10);
    if (field === 0 && bytes.byteLength > 0) {
      // flip bits
      for (let flips = 1 + int(random, 8); flips > 0; flips--) {
        const at = int(random, bytes.byteLength);
        bytes[at] = bytes[at]! ^ (1 << int(random, 8));
      }
    } else if (field === 1) {
      bytes = bytes.subarray(0, int(random, bytes.byteLength + 1));
    } else if (field === 2) {
      bytes = Buffer.concat([bytes, randomBytes(random, 1 + int(random, 200))]);
    } else if (field === 3 && bytes.byteLength >= 4) {
      // HeaderLength
      view.setUint32(0, pick(random, [0, 111, 112, 115, 116, 117, 2 ** 31, int(random, 2 ** 32)]));
    } else if (field === 4 && bytes.byteLength >= 120) {
      // PayloadLength
      view.setUint32(116, pick(random, [0, 1, bytes.byteLength, 2 ** 32 - 1, int(random, 4096)]));
    } else if (field === 5 && bytes.byteLength >= 36) {
      // MessageType
      const name = pick(random, [
        ...Object.values(MessageType).filter(
          (type) => allowEnd || type !== MessageType.ChannelClosed,
        ),
        '',
        '\u0000\u0000',
        'x'.repeat(32),
        'input_stream_dat',
      ]);
      bytes.set(Buffer.from(name.padEnd(32, random() < 0.5 ? ' ' : '\u0000').slice(0, 32)), 4);
    } else if (field === 6 && bytes.byteLength >= 56) {
      // SequenceNumber
      view.setBigInt64(
        48,
        pick(random, [-1n, 0n, 1n, 2n ** 53n, 2n ** 63n - 1n, BigInt(int(random, 2 ** 20))]),
      );
    } else if (field === 7 && bytes.byteLength >= 112) {
      // PayloadDigest
      bytes.set(randomBytes(random, 4), 80 + int(random, 28));
    } else if (field === 8 && bytes.byteLength >= 116) {
      // PayloadType
      view.setUint32(112, pick(random, [0, 1, 3, 5, 6, 7, 10, 17, int(random, 2 ** 32)]));
    } else if (field === 9 && bytes.byteLength >= 48) {
      // CreatedDate
      view.setBigUint64(40, pick(random, [0n, 1n, 2n ** 64n - 1n]));
    }
  }
  return bytes;
}

/** One fuzz frame from `sender`: pure noise, a mutated frame, or a well-formed odd frame. */
function fuzzFrame(random: Random, sender: 'client' | 'agent', allowEnd = true): Uint8Array {
  const choice = random();
  if (choice < 0.15) return randomBytes(random, int(random, 400));
  if (choice < 0.6) return mutate(random, wellFormed(random, sender, allowEnd), allowEnd);
  return wellFormed(random, sender, allowEnd);
}

const isTypedError = (error: unknown): boolean =>
  SsmError.isInstance(error) && typeof error.code === 'string' && error.code.startsWith('ERR_');

interface Pair {
  client: ClientDataChannel;
  agent: AgentDataChannel;
  clientSocket: MemorySocket;
  agentSocket: MemorySocket;
  errors: unknown[];
  closed: { client?: Error | 'clean'; agent?: Error | 'clean' };
  muxErrors: unknown[];
}

async function connectedPair(): Promise<Pair> {
  const { client: clientSocket, agent: agentSocket } = createSocketPair();
  const client = new ClientDataChannel({ keepAliveIntervalMs: 0 });
  const agent = new AgentDataChannel({ keepAliveIntervalMs: 0 });
  const pair: Pair = {
    client,
    agent,
    clientSocket,
    agentSocket,
    errors: [],
    closed: {},
    muxErrors: [],
  };
  client.on('error', (error) => pair.errors.push(error));
  agent.on('error', (error) => pair.errors.push(error));
  client.on('close', (error) => (pair.closed.client = error ?? 'clean'));
  agent.on('close', (error) => (pair.closed.agent = error ?? 'clean'));
  const complete = new Promise((resolve) => client.once('handshake-complete', resolve));
  client.attach(clientSocket, { tokenValue: 'fuzz-token' });
  agent.attach(agentSocket);
  await agent.startHandshake({
    agentVersion: '3.3.1142.0',
    sessionType: 'Port',
    properties: portForwardingProperties(),
  });
  await complete;
  const server = attachMuxServer(agent);
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.pipe(stream);
  });
  server.on('close', (error) => {
    if (error !== undefined) pair.muxErrors.push(error);
  });
  const muxClient = attachMuxClient(client);
  muxClient.on('close', (error) => {
    if (error !== undefined) pair.muxErrors.push(error);
  });
  return pair;
}

/** True once `socket` sent more frames than `before` (an acknowledgement), within a bound. */
async function sentMore(socket: MemorySocket, before: number): Promise<boolean> {
  for (let turn = 0; turn < 50; turn++) {
    if (socket.framesSent > before) return true;
    await yieldToEventLoop();
  }
  return socket.framesSent > before;
}

describe('fuzzing the data channel and smux', () => {
  const stats = { channelFrames: 0, decoderFrames: 0, muxFrames: 0, survived: 0, ended: 0 };
  /** How channels ended, by role and error code (or `clean`). */
  const endings: Record<string, number> = {};
  const started = performance.now();

  test.each(['agent', 'client'] as const)(
    '%s role: random and mutated frames never escape as untyped errors',
    async (role) => {
      const random = createPrng(SEED ^ (role === 'agent' ? 1 : 2));
      const sender = role === 'agent' ? 'client' : 'agent';
      for (let round = 0; round < ROUNDS_PER_ROLE; round++) {
        const pair = await connectedPair();
        const target = role === 'agent' ? pair.agent : pair.client;
        const targetSocket = role === 'agent' ? pair.agentSocket : pair.clientSocket;
        // Frames from `sender` are injected on the raw socket, bypassing its own channel.
        const injector = role === 'agent' ? pair.clientSocket : pair.agentSocket;
        for (let index = 0; index < FRAMES_PER_ROUND; index++) {
          // Every fourth round may also carry frames that end the session by design.
          injector.send(fuzzFrame(random, sender, round % 4 === 3));
          stats.channelFrames++;
          if (index % 50 === 49) await yieldToEventLoop();
        }
        await yieldToEventLoop();
        await yieldToEventLoop();

        for (const error of [...pair.errors, ...pair.muxErrors]) {
          expect(isTypedError(error), `round ${round}: ${String(error)}`).toBe(true);
        }
        const ended = pair.closed[role];
        if (ended !== undefined) {
          // Ended: cleanly (channel_closed, TerminateSession) or with a typed reason.
          if (ended !== 'clean') expect(isTypedError(ended), String(ended)).toBe(true);
          const key = `${role}:${ended === 'clean' ? 'clean' : (ended as SsmError).code}`;
          endings[key] = (endings[key] ?? 0) + 1;
          stats.ended++;
        } else {
          // Still working: a valid (duplicate) stream message is still acknowledged.
          expect(target.isClosed).toBe(false);
          const before = targetSocket.framesSent;
          injector.send(
            encode({
              messageType:
                sender === 'client' ? MessageType.InputStreamData : MessageType.OutputStreamData,
              sequenceNumber: 0,
              flags: 0,
              payloadType: PayloadType.Output,
              payload: Uint8Array.of(1, 2, 3),
            }),
          );
          expect(await sentMore(targetSocket, before), `round ${round}: no ack`).toBe(true);
          stats.survived++;
        }
        pair.client.close();
        pair.agent.close();
      }
    },
    120_000,
  );

  test('decodeClientMessage: only ProtocolErrors with a code', () => {
    const random = createPrng(SEED ^ 3);
    for (let index = 0; index < DECODER_FRAMES; index++) {
      const frame = fuzzFrame(random, index % 2 === 0 ? 'client' : 'agent');
      try {
        decodeClientMessage(frame);
      } catch (error) {
        expect(isTypedError(error), String(error)).toBe(true);
      }
      stats.decoderFrames++;
    }
  });

  test.each(['server', 'client'] as const)(
    'MuxSession (%s): random and mutated smux bytes close the session with a typed reason',
    async (role) => {
      const random = createPrng(SEED ^ (role === 'server' ? 4 : 5));
      let session: MuxSession | undefined;
      let closedWith: unknown[] = [];
      let sessions = 0;
      for (let index = 0; index < MUX_FRAMES_PER_ROLE; index++) {
        if (session === undefined || session.destroyed) {
          for (const error of closedWith) expect(isTypedError(error), String(error)).toBe(true);
          closedWith = [];
          session = new MuxSession({ role, send: () => true });
          sessions++;
          session.on('stream', (stream) => {
            stream.on('error', () => undefined);
            stream.resume();
          });
          session.on('close', (error) => {
            if (error !== undefined) closedWith.push(error);
          });
          if (role === 'client') session.openStream().on('error', () => undefined);
        }
        const bytes = random() < 0.2 ? randomBytes(random, int(random, 64)) : smuxPayload(random);
        expect(() => session!.receive(bytes)).not.toThrow();
        stats.muxFrames++;
        if (index % 500 === 499) await yieldToEventLoop();
      }
      for (const error of closedWith) expect(isTypedError(error), String(error)).toBe(true);
      session?.close();
      expect(sessions).toBeGreaterThan(1);
    },
  );

  test('summary: at least 100,000 frames', () => {
    const total = stats.channelFrames + stats.decoderFrames + stats.muxFrames;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fuzz: ${total} frames (${stats.channelFrames} into data channels, ${stats.decoderFrames} into decodeClientMessage, ${stats.muxFrames} into smux sessions); channels survived ${stats.survived} rounds, ended with a reason ${stats.ended} (${JSON.stringify(endings)}); seed ${SEED}; ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} frames/s`,
    );
    expect(total).toBeGreaterThanOrEqual(100_000);
    expect(stats.survived).toBeGreaterThan(0);
  });
});
