import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { MuxDecoder } from './decoder.js';
import { MuxCommand, encodeMuxFrame, type MuxFrame } from './frame.js';
import { MuxSession, type MuxSessionOptions } from './mux-session.js';
import type { MuxStream } from './mux-stream.js';

// --- helpers -------------------------------------------------------------------------------

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const frameBytes = (
  frame: Omit<MuxFrame, 'version' | 'data'> & { data?: Uint8Array },
): Uint8Array => encodeMuxFrame({ version: 1, data: new Uint8Array(0), ...frame });

function decodeAll(chunks: Uint8Array[]): MuxFrame[] {
  const decoder = new MuxDecoder();
  const frames: MuxFrame[] = [];
  for (const chunk of chunks) for (const frame of decoder.decode(chunk)) frames.push(frame);
  decoder.end();
  return frames;
}

/**
 * One direction of an in-memory transport between two sessions: re-chunks bytes randomly,
 * delivers them on a later macrotask, reports saturation above `highWaterMark`, and honours
 * `receive()` returning false until `receive-drain`.
 */
class Link {
  target!: MuxSession;
  source!: MuxSession;
  readonly #random: () => number;
  readonly #highWaterMark: number;
  readonly #maxChunk: number;
  #queue: Buffer[] = [];
  #queued = 0;
  #scheduled = false;
  #saturated = false;
  paused = false;
  receiveFalseCount = 0;
  drainCount = 0;
  sendFalseCount = 0;
  bytes = 0;

  constructor(seed: number, options: { highWaterMark?: number; maxChunk?: number } = {}) {
    this.#random = prng(seed);
    this.#highWaterMark = options.highWaterMark ?? 256 * 1024;
    this.#maxChunk = options.maxChunk ?? 2048;
  }

  attach(source: MuxSession, target: MuxSession): void {
    this.source = source;
    this.target = target;
    target.on('receive-drain', () => {
      this.drainCount++;
      this.paused = false;
      this.#schedule();
    });
  }

  readonly send = (chunk: Uint8Array): boolean => {
    this.#queue.push(Buffer.from(chunk));
    this.#queued += chunk.byteLength;
    this.bytes += chunk.byteLength;
    this.#schedule();
    if (this.#queued >= this.#highWaterMark) {
      this.#saturated = true;
      this.sendFalseCount++;
      return false;
    }
    return true;
  };

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.paused || this.#queued === 0 || this.target.destroyed) return;
    let bytes = Buffer.concat(this.#queue);
    this.#queue = [];
    let budget = 512 * 1024;
    while (bytes.byteLength > 0 && budget > 0) {
      const size = Math.min(bytes.byteLength, 1 + Math.floor(this.#random() * this.#maxChunk));
      const chunk = bytes.subarray(0, size);
      bytes = bytes.subarray(size);
      budget -= size;
      if (!this.target.receive(chunk)) {
        if (this.target.destroyed) return;
        this.receiveFalseCount++;
        this.paused = true;
        break;
      }
    }
    if (bytes.byteLength > 0) this.#queue.unshift(bytes);
    this.#queued = bytes.byteLength;
    if (this.#saturated && this.#queued < this.#highWaterMark / 2) {
      this.#saturated = false;
      this.source.resumeOutput();
    }
    if (!this.paused && this.#queued > 0) this.#schedule();
  }
}

function pair(
  seed = 1,
  options: { client?: Partial<MuxSessionOptions>; server?: Partial<MuxSessionOptions> } = {},
  linkOptions: { highWaterMark?: number; maxChunk?: number } = {},
): { client: MuxSession; server: MuxSession; up: Link; down: Link } {
  const up = new Link(seed, linkOptions);
  const down = new Link(seed + 1000, linkOptions);
  const client = new MuxSession({ role: 'client', send: up.send, ...options.client });
  const server = new MuxSession({ role: 'server', send: down.send, ...options.server });
  up.attach(client, server);
  down.attach(server, client);
  return { client, server, up, down };
}

async function writeAll(stream: MuxStream, data: Uint8Array, chunkSize = 64 * 1024): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    if (!stream.write(data.subarray(offset, offset + chunkSize))) await once(stream, 'drain');
  }
  await new Promise<void>((resolve, reject) => {
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

function readAll(stream: MuxStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

async function readByIterator(stream: MuxStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function readByPolling(stream: MuxStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const poll = (): void => {
      for (;;) {
        const chunk = stream.read(1000) as Buffer | null;
        if (chunk === null) break;
        chunks.push(chunk);
      }
    };
    stream.on('readable', poll);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function recorder(result: () => boolean = () => true): {
  sends: Uint8Array[];
  send: (chunk: Uint8Array) => boolean;
} {
  const sends: Uint8Array[] = [];
  return {
    sends,
    send: (chunk) => {
      sends.push(Uint8Array.from(chunk));
      return result();
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

// --- tests ---------------------------------------------------------------------------------

describe('MuxSession: stream ids and SYN', () => {
  it('client opens odd ids 3, 5, 7, each SYN sent alone as an 8-byte send', () => {
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send });
    expect([session.openStream().id, session.openStream().id, session.openStream().id]).toEqual([
      3, 5, 7,
    ]);
    expect(sends).toEqual([
      hex('01 00 0000 03000000'),
      hex('01 00 0000 05000000'),
      hex('01 00 0000 07000000'),
    ]);
    expect(session.streamCount).toBe(3);
  });

  it('server opens even ids from 2', () => {
    const session = new MuxSession({ role: 'server', send: () => true });
    expect([session.openStream().id, session.openStream().id]).toEqual([2, 4]);
  });

  it('id exhaustion throws a typed error', () => {
    const session = new MuxSession({ role: 'client', send: () => true, lastStreamId: 0xffff_fffd });
    expect(session.openStream().id).toBe(0xffff_ffff);
    let error: unknown;
    try {
      session.openStream();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ProtocolErrorCode.CLOSED);
    expect((error as ProtocolError).message).toMatch(/exhausted/);
  });

  it('server emits stream on SYN; ignores a SYN for an existing id; client ignores SYN', () => {
    const server = new MuxSession({ role: 'server', send: () => true });
    const opened: number[] = [];
    server.on('stream', (stream) => opened.push(stream.id));
    expect(server.receive(frameBytes({ command: MuxCommand.Syn, streamId: 3 }))).toBe(true);
    expect(server.receive(frameBytes({ command: MuxCommand.Syn, streamId: 3 }))).toBe(true);
    expect(opened).toEqual([3]);
    expect(server.streamCount).toBe(1);

    const client = new MuxSession({ role: 'client', send: () => true });
    const clientOpened = vi.fn();
    client.on('stream', clientOpened);
    expect(client.receive(frameBytes({ command: MuxCommand.Syn, streamId: 2 }))).toBe(true);
    expect(clientOpened).not.toHaveBeenCalled();
    expect(client.streamCount).toBe(0);
  });

  it('rejects bad options with ERR_PROTOCOL_INVALID_FIELD', () => {
    const send = (): boolean => true;
    for (const options of [
      { role: 'peer' as 'client', send },
      { role: 'client' as const, send, maxFrameSize: 65_536 },
      { role: 'client' as const, send, maxFrameSize: 0 },
      { role: 'client' as const, send, maxReceiveBuffer: -1 },
      { role: 'client' as const, send, keepAlive: { intervalMs: 10, timeoutMs: 5 } },
    ]) {
      expect(() => new MuxSession(options)).toThrow(
        expect.objectContaining({ code: ProtocolErrorCode.INVALID_FIELD }),
      );
    }
  });
});

describe('MuxSession: frames on the wire', () => {
  it('splits writes into PSH frames of at most maxFrameSize, each its own send', async () => {
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send });
    const stream = session.openStream();
    const data = randomBytes(70_000);
    await new Promise<void>((resolve) => stream.write(data, () => resolve()));
    const frames = sends.slice(1).map((chunk) => decodeAll([chunk]));
    expect(
      frames.map((list) =>
        list.map((frame) => [frame.command, frame.streamId, frame.data.byteLength]),
      ),
    ).toEqual([
      [[MuxCommand.Psh, 3, 32_768]],
      [[MuxCommand.Psh, 3, 32_768]],
      [[MuxCommand.Psh, 3, 4_464]],
    ]);
    expect(Buffer.concat(frames.map((list) => list[0]!.data))).toEqual(data);
  });

  it('a 5-byte write is exactly the 13-byte PSH "hello"', async () => {
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send });
    const stream = session.openStream();
    await new Promise<void>((resolve) => stream.write('hello', () => resolve()));
    expect(sends[1]).toEqual(hex('01 02 0500 03000000 68656c6c6f'));
  });

  it('end() sends FIN; destroy() sends FIN only if not sent', async () => {
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send });
    const first = session.openStream();
    first.end();
    await once(first, 'finish');
    first.destroy();
    const second = session.openStream();
    second.destroy();
    expect(sends).toEqual([
      hex('01 00 0000 03000000'),
      hex('01 01 0000 03000000'),
      hex('01 00 0000 05000000'),
      hex('01 01 0000 05000000'),
    ]);
  });

  it('discards PSH and ignores FIN for unknown ids; ignores NOP and UPD', () => {
    const server = new MuxSession({ role: 'server', send: () => true });
    const chunk = Buffer.concat([
      frameBytes({ command: MuxCommand.Psh, streamId: 9, data: new Uint8Array(100) }),
      frameBytes({ command: MuxCommand.Fin, streamId: 9 }),
      frameBytes({ command: MuxCommand.Nop, streamId: 0 }),
      frameBytes({ command: MuxCommand.Upd, streamId: 9, data: new Uint8Array(8) }),
    ]);
    expect(server.receive(chunk)).toBe(true);
    expect(server.destroyed).toBe(false);
    expect(server.receiveBucket).toBe(4_194_304);
  });

  it.each([
    ['unknown command 7', hex('01 07 0000 03000000')],
    ['version 2', hex('02 03 0000 00000000')],
  ])('%s closes the session with MUX_INVALID_FRAME; streams get CLOSED', async (_name, bad) => {
    const server = new MuxSession({ role: 'server', send: () => true });
    const streams: MuxStream[] = [];
    server.on('stream', (stream) => streams.push(stream));
    server.receive(frameBytes({ command: MuxCommand.Syn, streamId: 3 }));
    const streamError = once(streams[0]!, 'error');
    // (events.once would reject on the 'error' event emitted before 'close')
    const closed = new Promise<[ProtocolError]>((resolve) =>
      server.once('close', (error) => resolve([error as ProtocolError])),
    );
    const errorEvents: unknown[] = [];
    server.on('error', (error) => errorEvents.push(error));
    expect(
      server.receive(Buffer.concat([bad, frameBytes({ command: MuxCommand.Syn, streamId: 5 })])),
    ).toBe(false);
    const [closeError] = await closed;
    expect(closeError.code).toBe(ProtocolErrorCode.MUX_INVALID_FRAME);
    expect(errorEvents).toEqual([closeError]);
    const [error] = (await streamError) as [ProtocolError];
    expect(error.code).toBe(ProtocolErrorCode.CLOSED);
    expect(error.cause).toBe(closeError);
    expect(server.destroyed).toBe(true);
    expect(server.streamCount).toBe(0);
    expect(server.receive(frameBytes({ command: MuxCommand.Nop, streamId: 0 }))).toBe(false);
    expect(() => server.openStream()).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.CLOSED }),
    );
  });

  it('a protocol error does not throw without an error listener', () => {
    const session = new MuxSession({ role: 'client', send: () => true });
    expect(() => session.receive(hex('09 00 0000 00000000'))).not.toThrow();
    expect(session.destroyed).toBe(true);
    expect(session.closeError).toBeInstanceOf(ProtocolError);
  });

  it('a send() that throws closes the session with TRANSPORT', () => {
    const session = new MuxSession({
      role: 'client',
      send: () => {
        throw new Error('socket gone');
      },
    });
    const stream = session.openStream();
    stream.on('error', () => undefined);
    expect(session.destroyed).toBe(true);
    expect((session.closeError as ProtocolError).code).toBe(ProtocolErrorCode.TRANSPORT);
  });

  it('close() destroys open streams with CLOSED and emits close once', async () => {
    const session = new MuxSession({ role: 'client', send: () => true });
    const stream = session.openStream();
    const streamError = once(stream, 'error');
    const onClose = vi.fn();
    session.on('close', onClose);
    session.close();
    session.close();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledWith(undefined);
    const [error] = (await streamError) as [ProtocolError];
    expect(error.code).toBe(ProtocolErrorCode.CLOSED);
  });
});

describe('MuxSession: FIN and half-close between two sessions', () => {
  it('client end → server sees data then end; server replies and ends; both forget the stream', async () => {
    const { client, server } = pair(7);
    const accepted = once(server, 'stream') as Promise<[MuxStream]>;
    const clientStream = client.openStream();
    const [serverStream] = await accepted;
    expect(serverStream.id).toBe(3);

    const serverRead = readAll(serverStream);
    await writeAll(clientStream, Buffer.from('ping'));
    expect((await serverRead).toString()).toBe('ping');
    expect(serverStream.remoteFinished).toBe(true);
    expect(client.streamCount).toBe(1);

    // v1.5 peers may still write after receiving FIN: the reply arrives on the half-closed stream.
    const clientRead = readAll(clientStream);
    await writeAll(serverStream, Buffer.from('pong'));
    expect((await clientRead).toString()).toBe('pong');
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.streamCount).toBe(0);
    expect(server.streamCount).toBe(0);
  });

  it('destroy() on one side ends the peer readable', async () => {
    const { client, server } = pair(8);
    const accepted = once(server, 'stream') as Promise<[MuxStream]>;
    const clientStream = client.openStream();
    const [serverStream] = await accepted;
    const serverRead = readAll(serverStream);
    clientStream.write('partial');
    clientStream.destroy();
    expect((await serverRead).toString()).toBe('partial');
    expect(client.streamCount).toBe(0);
    serverStream.end();
    await once(serverStream, 'finish');
    expect(server.streamCount).toBe(0);
  });

  it('FIN arriving before buffered data is read ends only after the data', async () => {
    const server = new MuxSession({ role: 'server', send: () => true });
    const streams: MuxStream[] = [];
    server.on('stream', (stream) => streams.push(stream));
    server.receive(
      Buffer.concat([
        frameBytes({ command: MuxCommand.Syn, streamId: 3 }),
        frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(40_000).fill(1) }),
        frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(40_000).fill(2) }),
        frameBytes({ command: MuxCommand.Fin, streamId: 3 }),
        frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(10).fill(3) }),
      ]),
    );
    const data = await readAll(streams[0]!);
    expect(data.byteLength).toBe(80_000);
    expect(data[0]).toBe(1);
    expect(data[79_999]).toBe(2);
    expect(server.receiveBucket).toBe(4_194_304);
  });
});

describe('MuxSession: agent behaviour seen on the wire', () => {
  it('FIN right after SYN (ConnectToPortError) ends the client stream without data', async () => {
    const { sends, send } = recorder();
    const client = new MuxSession({ role: 'client', send });
    const stream = client.openStream();
    const read = readAll(stream);
    expect(client.receive(hex('01 01 0000 03000000'))).toBe(true);
    expect((await read).byteLength).toBe(0);
    stream.end();
    await once(stream, 'finish');
    expect(sends.at(-1)).toEqual(hex('01 01 0000 03000000'));
    expect(client.streamCount).toBe(0);
    // later streams still work
    expect(client.openStream().id).toBe(5);
  });

  it('PSH headers at arbitrary offsets inside 1024-byte messages', async () => {
    const { sends, send } = recorder();
    const agentSide = new MuxSession({ role: 'server', send });
    const received: Buffer[] = [];
    agentSide.on('stream', (stream) => stream.on('data', (chunk: Buffer) => received.push(chunk)));
    const payloads = Array.from({ length: 50 }, (_, index) =>
      randomBytes(1 + ((index * 997) % 5000)),
    );
    const wire = Buffer.concat([
      hex('01 00 0000 03000000'),
      ...payloads.map((data) => frameBytes({ command: MuxCommand.Psh, streamId: 3, data })),
    ]);
    for (let offset = 0; offset < wire.byteLength; offset += 1024) {
      expect(agentSide.receive(wire.subarray(offset, offset + 1024))).toBe(true);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(received)).toEqual(Buffer.concat(payloads));
    expect(sends).toEqual([]);
  });
});

describe('MuxSession: bulk transfer', () => {
  it('16 concurrent streams each move 2 MiB both ways intact (random re-chunking)', async () => {
    const { client, server, up, down } = pair(42);
    const size = 2 * 1024 * 1024;
    const serverDone: Promise<void>[] = [];
    const received = new Map<number, { upHash: string; downData: Buffer }>();
    const serverPayload = new Map<number, Buffer>();
    server.on('stream', (stream) => {
      const payload = randomBytes(size);
      serverPayload.set(stream.id, payload);
      serverDone.push(
        Promise.all([readAll(stream), writeAll(stream, payload)]).then(([data]) => {
          received.set(stream.id, { upHash: sha256(data), downData: Buffer.alloc(0) });
        }),
      );
    });
    const clientResults = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const stream = client.openStream();
        const payload = randomBytes(size);
        const [data] = await Promise.all([readAll(stream), writeAll(stream, payload)]);
        return { id: stream.id, sent: sha256(payload), got: sha256(data), length: data.byteLength };
      }),
    );
    await Promise.all(serverDone);
    expect(clientResults.map((result) => result.id)).toEqual(
      Array.from({ length: 16 }, (_, index) => 3 + 2 * index),
    );
    for (const result of clientResults) {
      expect(result.length).toBe(size);
      expect(result.got).toBe(sha256(serverPayload.get(result.id)!));
      expect(received.get(result.id)!.upHash).toBe(result.sent);
    }
    expect(up.sendFalseCount + down.sendFalseCount).toBeGreaterThan(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.streamCount).toBe(0);
    expect(server.streamCount).toBe(0);
    expect(client.receiveBucket).toBe(client.maxReceiveBuffer);
    expect(server.receiveBucket).toBe(server.maxReceiveBuffer);
  });
});

describe('MuxSession: back-pressure', () => {
  it('send() returning false holds write callbacks and queues frames until resumeOutput()', () => {
    let accept = true;
    const { sends, send } = recorder(() => accept);
    const session = new MuxSession({ role: 'client', send });
    const stream = session.openStream();
    accept = false;
    const firstDone = vi.fn();
    const secondDone = vi.fn();
    stream.write(Buffer.alloc(40_000, 1), firstDone);
    stream.write(Buffer.alloc(10, 2), secondDone);
    // SYN + the first PSH (send returned false) went out; the second PSH is queued.
    expect(sends).toHaveLength(2);
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        expect(firstDone).not.toHaveBeenCalled();
        accept = true;
        session.resumeOutput();
        setImmediate(() => {
          expect(sends).toHaveLength(4);
          const frames = decodeAll(sends);
          expect(frames.map((frame) => frame.data.byteLength)).toEqual([0, 32_768, 7_232, 10]);
          expect(firstDone).toHaveBeenCalledTimes(1);
          expect(secondDone).toHaveBeenCalledTimes(1);
          resolve();
        });
      });
    });
  });

  it('tolerates resumeOutput() called from inside send()', async () => {
    const sends: Uint8Array[] = [];
    const session: MuxSession = new MuxSession({
      role: 'client',
      send: (chunk) => {
        sends.push(chunk);
        session.resumeOutput();
        return false;
      },
    });
    const stream = session.openStream();
    await new Promise<void>((resolve) => stream.write(Buffer.alloc(100_000), () => resolve()));
    expect(sends.map((chunk) => chunk.byteLength)).toEqual([8, 32_776, 32_776, 32_776, 1_704]);
  });

  it('writes after the session closed fail with CLOSED', async () => {
    const session = new MuxSession({ role: 'client', send: () => true });
    const stream = session.openStream();
    const errors: ProtocolError[] = [];
    stream.on('error', (error) => errors.push(error as ProtocolError));
    session.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map((error) => error.code)).toEqual([ProtocolErrorCode.CLOSED]);
    expect(stream.destroyed).toBe(true);
  });

  it.each([
    ['a 256 KiB bucket', 256 * 1024, 3 * 1024 * 1024, readAll],
    ['the default 4 MiB bucket', undefined, 6 * 1024 * 1024, readAll],
    ['a 64 KiB bucket read with for-await', 64 * 1024, 1024 * 1024, readByIterator],
    ['a 64 KiB bucket read with read()', 64 * 1024, 1024 * 1024, readByPolling],
  ] as const)(
    'a consumer that does not read fills %s; reading drains it and the transfer completes',
    async (_name, maxReceiveBuffer, size, reader) => {
      const { client, server, up } = pair(3, { server: { maxReceiveBuffer } });
      const accepted = once(server, 'stream') as Promise<[MuxStream]>;
      const stream = client.openStream();
      const [serverStream] = await accepted;
      const payload = randomBytes(size);
      const writing = writeAll(stream, payload);
      // Nobody reads serverStream: the bucket fills and receive() starts returning false.
      await vi.waitFor(() => expect(up.receiveFalseCount).toBeGreaterThan(0), { timeout: 5_000 });
      expect(server.receiveBucket).toBeLessThanOrEqual(0);
      expect(up.drainCount).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(up.paused).toBe(true);
      const data = await reader(serverStream);
      await writing;
      expect(up.drainCount).toBeGreaterThan(0);
      expect(data.byteLength).toBe(size);
      expect(sha256(data)).toBe(sha256(payload));
      expect(server.receiveBucket).toBe(server.maxReceiveBuffer);
    },
  );

  it('one unread stream holds the shared bucket (v1 has no per-stream window)', async () => {
    const { client, server, up } = pair(5, { server: { maxReceiveBuffer: 64 * 1024 } });
    const accepted: MuxStream[] = [];
    server.on('stream', (stream) => accepted.push(stream));
    const idle = client.openStream();
    const busy = client.openStream();
    void writeAll(idle, randomBytes(256 * 1024));
    await vi.waitFor(() => expect(up.receiveFalseCount).toBeGreaterThan(0), { timeout: 5_000 });
    const busyPayload = randomBytes(1024);
    const busyWrite = writeAll(busy, busyPayload);
    let busyDone = false;
    const busyRead = readAll(accepted[1]!).then((data) => {
      busyDone = true;
      return data;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The second stream's bytes are stuck behind the first stream's unread data.
    expect(busyDone).toBe(false);
    const idleData = await readAll(accepted[0]!);
    expect(idleData.byteLength).toBe(256 * 1024);
    expect(await busyRead).toEqual(busyPayload);
    await busyWrite;
  });

  it('frames passed while the bucket is exhausted are still processed', async () => {
    const server = new MuxSession({ role: 'server', send: () => true, maxReceiveBuffer: 100 });
    const streams: MuxStream[] = [];
    server.on('stream', (stream) => streams.push(stream));
    const chunk = Buffer.concat([
      frameBytes({ command: MuxCommand.Syn, streamId: 3 }),
      frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(150).fill(1) }),
      frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(50).fill(2) }),
      frameBytes({ command: MuxCommand.Fin, streamId: 3 }),
    ]);
    expect(server.receive(chunk)).toBe(false);
    expect(server.receiveBucket).toBe(-100);
    const drained = once(server, 'receive-drain');
    const data = await readAll(streams[0]!);
    await drained;
    expect(data.byteLength).toBe(200);
    expect(server.receiveBucket).toBe(100);
  });

  it('destroying a stream returns its unread bytes to the bucket', () => {
    const server = new MuxSession({ role: 'server', send: () => true, maxReceiveBuffer: 1000 });
    const streams: MuxStream[] = [];
    server.on('stream', (stream) => streams.push(stream));
    server.receive(
      Buffer.concat([
        frameBytes({ command: MuxCommand.Syn, streamId: 3 }),
        frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(600) }),
      ]),
    );
    expect(server.receiveBucket).toBe(400);
    streams[0]!.destroy();
    expect(server.receiveBucket).toBe(1000);
  });
});

describe('MuxSession: keep-alive', () => {
  const nop = hex('01 03 0000 00000000');

  it('is off by default: no NOPs, no timeout', async () => {
    vi.useFakeTimers();
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sends).toEqual([]);
    expect(session.destroyed).toBe(false);
  });

  it('sends a NOP every 10 s and closes after a 30 s window without any frame', async () => {
    vi.useFakeTimers();
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send, keepAlive: {} });
    const onClose = vi.fn();
    session.on('close', onClose);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sends).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sends).toEqual([nop]);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(sends).toEqual([nop, nop]);
    expect(onClose).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(session.destroyed).toBe(true);
    const error = onClose.mock.calls[0]![0] as ProtocolError;
    expect(error.code).toBe(ProtocolErrorCode.CLOSED);
    expect(error.message).toMatch(/keep-alive timeout/);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sends.length).toBeLessThanOrEqual(3);
  });

  it('stays open while frames keep arriving, and honours custom intervals', async () => {
    vi.useFakeTimers();
    const { sends, send } = recorder();
    const session = new MuxSession({
      role: 'server',
      send,
      keepAlive: { intervalMs: 1_000, timeoutMs: 3_000 },
    });
    for (let second = 0; second < 20; second++) {
      session.receive(nop);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(session.destroyed).toBe(false);
    expect(sends).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(session.destroyed).toBe(true);
  });

  it('does not time out while the receive bucket is exhausted', async () => {
    vi.useFakeTimers();
    const session = new MuxSession({
      role: 'server',
      send: () => true,
      keepAlive: {},
      maxReceiveBuffer: 10,
    });
    session.on('stream', () => undefined);
    session.receive(
      Buffer.concat([
        frameBytes({ command: MuxCommand.Syn, streamId: 3 }),
        frameBytes({ command: MuxCommand.Psh, streamId: 3, data: new Uint8Array(20) }),
      ]),
    );
    await vi.advanceTimersByTimeAsync(300_000);
    expect(session.destroyed).toBe(false);
  });

  it('uses the injected clock', () => {
    const timers: { callback: () => void; delayMs: number }[] = [];
    const clock = {
      now: () => 0,
      setTimeout: (callback: () => void, delayMs: number) => {
        const timer = { callback, delayMs, unref: () => undefined };
        timers.push(timer);
        return timer;
      },
      clearTimeout: vi.fn(),
    };
    const { sends, send } = recorder();
    const session = new MuxSession({ role: 'client', send, clock, keepAlive: {} });
    expect(timers.map((timer) => timer.delayMs)).toEqual([10_000, 30_000]);
    timers[0]!.callback();
    expect(sends).toEqual([nop]);
    session.close();
    expect(clock.clearTimeout).toHaveBeenCalledTimes(2);
  });
});
