import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { AgentDataChannel } from '../src/data-channel/agent-data-channel.js';
import { ClientDataChannel } from '../src/data-channel/client-data-channel.js';
import { createSocketPair } from '../src/testing/index.js';

describe('WebSocket keep-alive pings (vi fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('client pings "keepalive" on attach and every 30 s, and stops when the socket closes', async () => {
    const { client: socket, agent: peer } = createSocketPair();
    const pings: string[] = [];
    peer.setHandlers({
      message: () => undefined,
      close: () => undefined,
      error: () => undefined,
      ping: (payload) => pings.push(new TextDecoder().decode(payload)),
    });
    const channel = new ClientDataChannel();
    channel.attach(socket, { tokenValue: 't' });
    await vi.advanceTimersByTimeAsync(0);
    expect(pings).toEqual(['keepalive']);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(pings).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pings).toHaveLength(4);
    socket.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(pings).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
    channel.close();
  });

  test('the interval is an option; 0 disables pings', async () => {
    const first = createSocketPair();
    const second = createSocketPair();
    const fast = new ClientDataChannel({ keepAliveIntervalMs: 5_000 });
    const off = new ClientDataChannel({ keepAliveIntervalMs: 0 });
    fast.attach(first.client, { tokenValue: 't' });
    off.attach(second.client, { tokenValue: 't' });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(first.client.pingsSent).toBe(5);
    expect(second.client.pingsSent).toBe(0);
    fast.close();
    off.close();
  });

  test('the agent role pings every 54 s like the real agent', async () => {
    const { agent: socket } = createSocketPair();
    const agent = new AgentDataChannel();
    agent.attach(socket);
    await vi.advanceTimersByTimeAsync(54_000 * 3);
    expect(socket.pingsSent).toBe(4);
    agent.close();
  });

  test('ping timers are unref’d and restart on reattach', async () => {
    const first = createSocketPair();
    const channel = new ClientDataChannel({ keepAliveIntervalMs: 10_000 });
    channel.attach(first.client, { tokenValue: 't' });
    first.kill();
    await vi.advanceTimersByTimeAsync(0);
    const second = createSocketPair();
    channel.attach(second.client, { tokenValue: 't2' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(first.client.pingsSent).toBe(1);
    expect(second.client.pingsSent).toBe(2);
    channel.close();
  });
});

describe('keep-alive timeout (vi fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('a silent peer is dropped: socket-close 4000, then a reattach continues', async () => {
    const pair = createSocketPair();
    // A peer that never answers pings: swallow them on the agent side.
    pair.client.ping = () => undefined;
    const channel = new ClientDataChannel({
      keepAliveIntervalMs: 10_000,
      keepAliveTimeoutMs: 25_000,
    });
    const closes: [number, string][] = [];
    channel.on('socket-close', (code, reason) => closes.push([code, reason]));
    channel.attach(pair.client, { tokenValue: 't' });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(closes).toEqual([[4000, 'keep-alive timeout']]);
    expect(pair.client.isOpen).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(closes).toHaveLength(1); // the socket's own close event is not reported again
    const next = createSocketPair();
    channel.attach(next.client, { tokenValue: 't2' });
    expect(channel.isConnected).toBe(true);
    channel.close();
  });

  test('pongs keep the socket alive', async () => {
    const pair = createSocketPair();
    const channel = new ClientDataChannel({
      keepAliveIntervalMs: 10_000,
      keepAliveTimeoutMs: 25_000,
    });
    const closes = vi.fn();
    channel.on('socket-close', closes);
    channel.attach(pair.client, { tokenValue: 't' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(closes).not.toHaveBeenCalled();
    channel.close();
  });
});
