import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { createPrng } from '../testing/lossy-link.js';
import { decodeClientMessage } from '../wire/client-message.js';
import { PayloadType } from '../wire/constants.js';
import { ReliableChannel, type RetransmissionPolicy } from './reliable-channel.js';

interface Scenario {
  messages: number;
  drop: number;
  duplicate: number;
  reorder: number;
  refuse: number;
  disconnectEvery: number;
  policy: RetransmissionPolicy;
  seed: number;
}

/**
 * Two channels wired back to back through a synchronous fault pipeline on a fake clock: frames
 * are dropped, duplicated and held back at random; the receiver's consumer refuses at random;
 * the link goes down now and then. Everything sent must arrive exactly once, in order.
 */
function run(scenario: Scenario): { delivered: number[]; elapsedMs: number } {
  const clock = new FakeClock();
  const random = createPrng(scenario.seed);
  const delivered: number[] = [];
  const held: { to: ReliableChannel; frame: Uint8Array }[] = [];
  let connected = true;
  const link = (to: () => ReliableChannel) => (frame: Uint8Array) => {
    if (!connected || random() < scenario.drop) return;
    const copies = random() < scenario.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      if (random() < scenario.reorder) held.push({ to: to(), frame });
      else clock.setTimeout(() => to().handleMessage(decodeClientMessage(frame)), 1 + random() * 4);
    }
    if (held.length > 0 && random() < 0.5) {
      const item = held.splice(Math.floor(random() * held.length), 1)[0]!;
      clock.setTimeout(() => item.to.handleMessage(decodeClientMessage(item.frame)), 6);
    }
  };
  const agent: ReliableChannel = new ReliableChannel({
    role: 'agent',
    clock,
    retransmission: scenario.policy,
    transmit: link(() => client),
    deliver: () => true,
  });
  const client: ReliableChannel = new ReliableChannel({
    role: 'client',
    clock,
    retransmission: scenario.policy,
    highWaterMarkMessages: 16,
    transmit: link(() => agent),
    deliver: (message) => {
      if (random() < scenario.refuse) {
        clock.setTimeout(() => client.retryDelivery(), 3);
        return false;
      }
      delivered.push(new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0));
      return true;
    },
  });
  client.setConnected(true);
  agent.setConnected(true);
  let next = 0;
  const startedAt = clock.now();
  for (let step = 0; step < 200_000 && delivered.length < scenario.messages; step++) {
    while (next < scenario.messages && agent.writable) {
      const payload = new Uint8Array(4);
      new DataView(payload.buffer).setUint32(0, next++);
      agent.send(PayloadType.Output, payload);
    }
    if (
      scenario.disconnectEvery > 0 &&
      step % scenario.disconnectEvery === scenario.disconnectEvery - 1
    ) {
      connected = !connected;
      client.setConnected(connected);
      agent.setConnected(connected);
    }
    clock.advance(5);
  }
  if (!connected) {
    connected = true;
    client.setConnected(true);
    agent.setConnected(true);
  }
  for (let step = 0; step < 100_000 && delivered.length < scenario.messages; step++)
    clock.advance(5);
  client.close();
  agent.close();
  return { delivered, elapsedMs: clock.now() - startedAt };
}

describe('ReliableChannel under random faults (property)', () => {
  test.prop(
    [
      fc.record({
        messages: fc.integer({ min: 1, max: 120 }),
        drop: fc.double({ min: 0, max: 0.3, noNaN: true }),
        duplicate: fc.double({ min: 0, max: 0.2, noNaN: true }),
        reorder: fc.double({ min: 0, max: 0.2, noNaN: true }),
        refuse: fc.double({ min: 0, max: 0.2, noNaN: true }),
        disconnectEvery: fc.constantFrom(0, 37, 101),
        policy: fc.constantFrom<RetransmissionPolicy>('faithful', 'fast'),
        seed: fc.integer(),
      }),
    ],
    { numRuns: 100 },
  )('every message is delivered exactly once and in order', (scenario) => {
    const { delivered } = run(scenario);
    expect(delivered).toEqual(Array.from({ length: scenario.messages }, (_, index) => index));
  });
});
