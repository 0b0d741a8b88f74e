import { describe, expect, test, vi } from 'vitest';
import type { DataChannelSocketHandlers } from '../socket.js';
import { encodeClientMessage } from '../wire/client-message.js';
import { FakeClock, yieldToEventLoop } from './fake-clock.js';
import { createLossyLink, createPrng } from './lossy-link.js';
import { createSocketPair, type MemorySocket } from './memory-socket.js';

function listen(socket: MemorySocket) {
  const messages: string[] = [];
  const closes: [number, string][] = [];
  const handlers: DataChannelSocketHandlers = {
    message: (data, isBinary) =>
      messages.push(`${isBinary ? 'b' : 't'}:${new TextDecoder().decode(data)}`),
    close: (code, reason) => closes.push([code, reason]),
    error: () => undefined,
  };
  socket.setHandlers(handlers);
  return { messages, closes };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('createSocketPair', () => {
  test('delivers asynchronously, in order, copying the bytes; counts bufferedAmount until delivery', async () => {
    const { client, agent } = createSocketPair();
    const received = listen(agent);
    const data = bytes('one');
    client.send(data);
    data[0] = 0x58; // the sender reusing its buffer must not change what was sent
    client.send('two');
    expect(received.messages).toEqual([]);
    expect(client.bufferedAmount).toBe(6);
    await yieldToEventLoop();
    expect(received.messages).toEqual(['b:one', 't:two']);
    expect(client.bufferedAmount).toBe(0);
  });

  test('close is delivered once to both ends, after frames already sent', async () => {
    const { client, agent } = createSocketPair();
    const clientSide = listen(client);
    const agentSide = listen(agent);
    client.send(bytes('last'));
    client.close(1000, 'done');
    agent.close(1001, 'ignored');
    expect(client.isOpen).toBe(false);
    client.send(bytes('dropped'));
    await yieldToEventLoop();
    expect(agentSide.messages).toEqual(['b:last']);
    expect(agentSide.closes).toEqual([[1000, 'done']]);
    expect(clientSide.closes).toEqual([[1000, 'done']]);
  });

  test('kill drops frames in flight and closes both ends with 1006', async () => {
    const { client, agent, kill } = createSocketPair();
    const agentSide = listen(agent);
    client.send(bytes('lost'));
    kill();
    await yieldToEventLoop();
    expect(agentSide.messages).toEqual([]);
    expect(agentSide.closes).toEqual([[1006, 'connection killed']]);
    expect(client.bufferedAmount).toBe(0);
  });

  test('events before setHandlers are queued', async () => {
    const { client, agent } = createSocketPair();
    client.send(bytes('early'));
    await yieldToEventLoop();
    const received = listen(agent);
    expect(received.messages).toEqual(['b:early']);
  });
});

describe('createLossyLink', () => {
  const frame = (index: number, type = 'output_stream_data'): Uint8Array =>
    encodeClientMessage({
      messageType: type,
      schemaVersion: 1,
      createdDate: 1,
      sequenceNumber: index,
      flags: 0,
      messageId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      payloadType: 1,
      payload: bytes(String(index)),
    });
  const seqOf = (message: string): string => message; // payload text is the index

  async function run(options: Parameters<typeof createLossyLink>[0], count = 200, type?: string) {
    const link = createLossyLink(options);
    const { client, agent } = link.connect();
    const delivered: string[] = [];
    agent.setHandlers({
      message: (data, isBinary) =>
        delivered.push(isBinary ? new TextDecoder().decode(data.subarray(120)) : 'open'),
      close: () => undefined,
      error: () => undefined,
    });
    client.send('{"open":true}');
    for (let index = 0; index < count; index++) client.send(frame(index, type));
    for (let index = 0; index < 20; index++) await yieldToEventLoop();
    return { delivered: delivered.map(seqOf), stats: link.stats, link };
  }

  test('the same seed gives the same faults; text frames always pass', async () => {
    const options = { drop: 0.1, duplicate: 0.05, reorder: 0.05, seed: 7 };
    const first = await run(options);
    const second = await run(options);
    expect(first.delivered).toEqual(second.delivered);
    expect(first.delivered[0]).toBe('open');
    expect(first.stats.framesDropped).toBeGreaterThan(5);
    expect(first.stats.framesDuplicated).toBeGreaterThan(0);
    expect(first.stats.framesReordered).toBeGreaterThan(0);
    const third = await run({ ...options, seed: 8 });
    expect(third.delivered).not.toEqual(first.delivered);
  });

  test('withholdAcks discards acknowledge frames only', async () => {
    const acks = await run({ withholdAcks: 1 }, 10, 'acknowledge');
    expect(acks.delivered).toEqual(['open']);
    expect(acks.stats.acksWithheld).toBe(10);
    const data = await run({ withholdAcks: 1 }, 10);
    expect(data.delivered).toHaveLength(11);
  });

  test('delay and jitter use the injected clock', async () => {
    const clock = new FakeClock();
    const link = createLossyLink({ delayMs: 50, jitterMs: 10, clock });
    const { client, agent } = link.connect();
    const received = vi.fn();
    agent.setHandlers({ message: received, close: () => undefined, error: () => undefined });
    client.send(frame(1));
    await clock.advanceAsync(49, 1);
    expect(received).not.toHaveBeenCalled();
    await clock.advanceAsync(12, 1);
    expect(received).toHaveBeenCalledOnce();
  });

  test('killSocket closes the current pair; connect() gives a fresh one', async () => {
    const link = createLossyLink();
    const first = link.connect();
    const closes = listen(first.agent).closes;
    link.killSocket();
    await yieldToEventLoop();
    expect(closes).toEqual([[1006, 'connection killed']]);
    const second = link.connect();
    expect(second.client.isOpen).toBe(true);
    expect(link.stats.socketsKilled).toBe(1);
  });

  test('createPrng is deterministic and uniform enough', () => {
    const random = createPrng(42);
    const values = Array.from({ length: 10_000 }, random);
    expect(createPrng(42)()).toBe(values[0]);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe('FakeClock', () => {
  test('runs timers in due order, including timers scheduled while advancing', () => {
    const clock = new FakeClock(1_000);
    const order: string[] = [];
    clock.setTimeout(() => order.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      order.push(`a@${clock.now()}`);
      clock.setTimeout(() => order.push(`c@${clock.now()}`), 5);
    }, 10);
    const cancelled = clock.setTimeout(() => order.push('never'), 15);
    clock.clearTimeout(cancelled);
    clock.advance(30);
    expect(order).toEqual(['a@1010', 'c@1015', 'b@1020']);
    expect(clock.now()).toBe(1_030);
    expect(clock.pendingTimers).toBe(0);
  });

  test('advanceAsync lets promises settle between timers', async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const tick = (): void => {
      void Promise.resolve().then(() => seen.push(clock.now()));
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    const start = clock.now();
    await clock.advanceAsync(300, 50);
    expect(seen.map((time) => time - start)).toEqual([100, 200, 300]);
  });
});
