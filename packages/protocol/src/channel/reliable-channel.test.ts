import { describe, expect, test, vi } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { decodeClientMessage, type ClientMessage } from '../wire/client-message.js';
import { MessageType, PayloadType } from '../wire/constants.js';
import { decodeAcknowledge } from '../wire/payloads/index.js';
import { encodeClientMessage } from '../wire/client-message.js';
import { ReliableChannel, type ReliableChannelOptions } from './reliable-channel.js';
import { RtoEstimator } from './rto-estimator.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** A channel whose transmitted frames are decoded into `sent`, and whose deliveries go to `delivered`. */
function harness(options: Partial<ReliableChannelOptions> = {}) {
  const clock = new FakeClock();
  const sent: ClientMessage[] = [];
  const delivered: ClientMessage[] = [];
  let ready = true;
  const channel = new ReliableChannel({
    role: 'client',
    clock,
    transmit: (frame) => sent.push(decodeClientMessage(frame)),
    deliver: (message) => {
      if (!ready) return false;
      delivered.push(message);
      return true;
    },
    ...options,
  });
  channel.setConnected(true);
  return {
    clock,
    channel,
    sent,
    delivered,
    setReady: (value: boolean) => (ready = value),
    acks: () =>
      sent
        .filter((m) => m.messageType === MessageType.Acknowledge)
        .map((m) => decodeAcknowledge(m.payload).acknowledgedMessageSequenceNumber),
    data: () => sent.filter((m) => m.messageType !== MessageType.Acknowledge),
    clear: () => sent.splice(0),
  };
}

let idCounter = 0;
function agentFrame(
  sequenceNumber: number,
  payload = `m${sequenceNumber}`,
  payloadType: number = PayloadType.Output,
): ClientMessage {
  const frame = encodeClientMessage({
    messageType: MessageType.OutputStreamData,
    schemaVersion: 1,
    createdDate: 1_700_000_000_000,
    sequenceNumber,
    flags: sequenceNumber === 0 ? 1 : 0,
    messageId: `00000000-0000-4000-8000-${String(++idCounter).padStart(12, '0')}`,
    payloadType,
    payload: bytes(payload),
  });
  return decodeClientMessage(frame);
}

function ackFor(message: ClientMessage): ClientMessage {
  return decodeClientMessage(
    encodeClientMessage({
      messageType: MessageType.Acknowledge,
      schemaVersion: 1,
      createdDate: 1_700_000_000_000,
      sequenceNumber: 0,
      flags: 3,
      messageId: '11111111-2222-4333-8444-555555555555',
      payloadType: 0,
      payload: bytes(
        JSON.stringify({
          AcknowledgedMessageType: message.messageType,
          AcknowledgedMessageId: message.messageId,
          AcknowledgedMessageSequenceNumber: message.sequenceNumber,
          IsSequentialMessage: true,
        }),
      ),
    }),
  );
}

describe('ReliableChannel receive side', () => {
  test('in-order messages are delivered then acknowledged', () => {
    const h = harness();
    h.channel.handleMessage(agentFrame(0));
    h.channel.handleMessage(agentFrame(1));
    expect(h.delivered.map((m) => text(m.payload))).toEqual(['m0', 'm1']);
    expect(h.acks()).toEqual([0, 1]);
    expect(h.channel.expectedSequenceNumber).toBe(2);
  });

  test('ack frames have seq 0, flags 3, PayloadType 0 and echo type, id and seq', () => {
    const h = harness();
    const message = agentFrame(0);
    h.channel.handleMessage(message);
    const ack = h.sent[0]!;
    expect(ack).toMatchObject({
      messageType: 'acknowledge',
      sequenceNumber: 0,
      flags: 3,
      payloadType: 0,
      schemaVersion: 1,
    });
    expect(decodeAcknowledge(ack.payload)).toEqual({
      acknowledgedMessageType: 'output_stream_data',
      acknowledgedMessageId: message.messageId,
      acknowledgedMessageSequenceNumber: 0,
      isSequentialMessage: true,
    });
  });

  test('out-of-order messages are acked at once, buffered and drained in order', () => {
    const h = harness();
    h.channel.handleMessage(agentFrame(2));
    h.channel.handleMessage(agentFrame(1));
    expect(h.delivered).toHaveLength(0);
    expect(h.acks()).toEqual([2, 1]);
    h.channel.handleMessage(agentFrame(0));
    expect(h.delivered.map((m) => m.sequenceNumber)).toEqual([0, 1, 2]);
    expect(h.acks()).toEqual([2, 1, 0]);
    expect(h.channel.incomingBufferedCount).toBe(0);
  });

  test('duplicates are re-acknowledged and never delivered twice', () => {
    const h = harness();
    h.channel.handleMessage(agentFrame(0));
    h.channel.handleMessage(agentFrame(0));
    h.channel.handleMessage(agentFrame(2));
    h.channel.handleMessage(agentFrame(2));
    expect(h.delivered).toHaveLength(1);
    expect(h.acks()).toEqual([0, 0, 2, 2]);
    expect(h.channel.stats.duplicatesReceived).toBe(1);
  });

  test('a full out-of-order buffer drops silently without ack', () => {
    const h = harness({ incomingBufferCapacity: 2 });
    h.channel.handleMessage(agentFrame(1));
    h.channel.handleMessage(agentFrame(2));
    h.channel.handleMessage(agentFrame(3));
    expect(h.acks()).toEqual([1, 2]);
    h.channel.handleMessage(agentFrame(0));
    expect(h.delivered.map((m) => m.sequenceNumber)).toEqual([0, 1, 2]);
  });

  test('not ready: no ack, no advance; redelivered on retransmission or retryDelivery', () => {
    const h = harness();
    h.setReady(false);
    h.channel.handleMessage(agentFrame(0));
    expect(h.acks()).toEqual([]);
    expect(h.channel.expectedSequenceNumber).toBe(0);
    h.channel.handleMessage(agentFrame(0)); // retransmission while still not ready
    expect(h.acks()).toEqual([]);
    h.setReady(true);
    h.channel.retryDelivery();
    expect(h.delivered.map((m) => m.sequenceNumber)).toEqual([0]);
    expect(h.acks()).toEqual([0]);
    h.setReady(false);
    h.channel.handleMessage(agentFrame(1));
    h.setReady(true);
    h.channel.handleMessage(agentFrame(1)); // the peer's retransmission delivers it
    expect(h.delivered.map((m) => m.sequenceNumber)).toEqual([0, 1]);
    expect(h.acks()).toEqual([0, 1]);
  });

  test('while the consumer refuses, later messages are kept unacknowledged, then acked on delivery', () => {
    const h = harness();
    h.setReady(false);
    h.channel.handleMessage(agentFrame(0));
    h.channel.handleMessage(agentFrame(1));
    h.channel.handleMessage(agentFrame(3));
    expect(h.acks()).toEqual([]);
    expect(h.channel.incomingBufferedCount).toBe(3);
    h.setReady(true);
    h.channel.retryDelivery();
    expect(h.delivered.map((m) => m.sequenceNumber)).toEqual([0, 1]);
    expect(h.acks()).toEqual([0, 1]);
    h.channel.handleMessage(agentFrame(3)); // the sender's retransmission of the unacked 3
    expect(h.acks()).toEqual([0, 1, 3]);
    h.channel.handleMessage(agentFrame(2));
    expect(h.delivered.map((m) => m.sequenceNumber)).toEqual([0, 1, 2, 3]);
    expect(h.acks()).toEqual([0, 1, 3, 2]);
  });

  test('handshake messages are acknowledged before they are processed', () => {
    const order: string[] = [];
    const h = harness({
      transmit: (frame) => order.push(`tx:${decodeClientMessage(frame).messageType}`),
      deliver: () => {
        order.push('deliver');
        return true;
      },
    });
    h.channel.handleMessage(agentFrame(0, '{}', PayloadType.HandshakeRequest));
    h.channel.handleMessage(agentFrame(1, 'data'));
    expect(order).toEqual(['tx:acknowledge', 'deliver', 'deliver', 'tx:acknowledge']);
  });

  test('acks are not sent while disconnected; the retransmitted duplicate is re-acked', () => {
    const h = harness();
    h.channel.setConnected(false);
    h.channel.handleMessage(agentFrame(0));
    expect(h.sent).toHaveLength(0);
    expect(h.delivered).toHaveLength(1);
    h.channel.setConnected(true);
    h.channel.handleMessage(agentFrame(0));
    expect(h.acks()).toEqual([0]);
  });

  test('ignores other message types', () => {
    const h = harness();
    const closed = { ...agentFrame(0), messageType: MessageType.ChannelClosed };
    expect(h.channel.handleMessage(closed)).toBe(false);
    const input = { ...agentFrame(0), messageType: MessageType.InputStreamData };
    expect(h.channel.handleMessage(input)).toBe(false);
  });
});

describe('ReliableChannel send side', () => {
  test('sequence numbers from 0, client flags 0, frames re-sent byte-identical', () => {
    const frames: Uint8Array[] = [];
    const h = harness({ transmit: (frame) => frames.push(frame), retransmission: 'faithful' });
    h.channel.send(PayloadType.Output, bytes('a'));
    h.channel.send(PayloadType.Flag, new Uint8Array([0, 0, 0, 2]));
    const decoded = frames.map((frame) => decodeClientMessage(frame));
    expect(decoded.map((m) => [m.messageType, m.sequenceNumber, m.flags, m.payloadType])).toEqual([
      ['input_stream_data', 0, 0, 1],
      ['input_stream_data', 1, 0, 10],
    ]);
    h.clock.advance(300);
    expect(frames[2]).toEqual(frames[0]);
  });

  test('agent flags: 1 on seq 0, else 0', () => {
    const h = harness({ role: 'agent' });
    h.channel.send(PayloadType.Output, bytes('a'));
    h.channel.send(PayloadType.Output, bytes('b'));
    expect(h.sent.map((m) => [m.messageType, m.flags])).toEqual([
      ['output_stream_data', 1],
      ['output_stream_data', 0],
    ]);
  });

  test('empty payloads are refused', () => {
    const h = harness();
    expect(() => h.channel.send(PayloadType.Output, new Uint8Array(0))).toThrowError(
      expect.objectContaining({ code: 'ERR_PROTOCOL_INVALID_PAYLOAD' }),
    );
  });

  test('acks remove by AcknowledgedMessageSequenceNumber only', () => {
    const h = harness();
    h.channel.send(PayloadType.Output, bytes('a'));
    h.channel.send(PayloadType.Output, bytes('b'));
    h.channel.handleMessage(ackFor(h.sent[1]!));
    expect(h.channel.unacknowledgedCount).toBe(1);
    h.channel.handleMessage(ackFor(h.sent[1]!)); // repeated ack: ignored
    h.channel.handleMessage(
      ackFor({ ...h.sent[0]!, messageId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(h.channel.unacknowledgedCount).toBe(0);
  });

  test('RTT/RTO estimator follows §5.5 with hand-computed values', () => {
    const estimator = new RtoEstimator();
    expect([estimator.rttMs, estimator.rttVarianceMs, estimator.rtoMs]).toEqual([100, 0, 200]);
    estimator.addSample(20);
    // RTTVAR = 0.75·0 + 0.25·|100 − 20| = 20; RTT = 0.875·100 + 0.125·20 = 90; RTO = 90 + max(10, 80) = 170
    expect([estimator.rttMs, estimator.rttVarianceMs, estimator.rtoMs]).toEqual([90, 20, 170]);
    estimator.addSample(50);
    // RTTVAR = 15 + 0.25·40 = 25; RTT = 78.75 + 6.25 = 85; RTO = 85 + 100 = 185
    expect([estimator.rttMs, estimator.rttVarianceMs, estimator.rtoMs]).toEqual([85, 25, 185]);
    for (let index = 0; index < 200; index++) estimator.addSample(2);
    // converges: RTTVAR → 0 so the variance term is the 10 ms floor
    expect(estimator.rttMs).toBeCloseTo(2, 5);
    expect(estimator.rtoMs).toBeCloseTo(12, 5);
    estimator.addSample(10_000);
    expect(estimator.rtoMs).toBe(1_000);
  });

  test('ack samples feed the estimator (time since the last transmission)', () => {
    const h = harness();
    h.channel.send(PayloadType.Output, bytes('a'));
    h.clock.advance(20);
    h.channel.handleMessage(ackFor(h.sent[0]!));
    expect(h.channel.estimator.rtoMs).toBe(170);
  });

  test('faithful: only the oldest unacked message, one per tick, lastSent updated', () => {
    const h = harness({ retransmission: 'faithful' });
    for (const letter of 'abc') h.channel.send(PayloadType.Output, bytes(letter));
    h.clear();
    h.clock.advance(100); // tick at 100: 100 > 200? no
    h.clock.advance(100); // tick at 200: 200 > 200? no (strictly greater)
    expect(h.sent).toHaveLength(0);
    h.clock.advance(100); // tick at 300: resend seq 0
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0]);
    h.clock.advance(100); // 400: lastSent=300, 100 > 200? no
    h.clock.advance(100); // 500: no
    h.clock.advance(100); // 600: 300 > 200 → seq 0 again
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0, 0]);
    h.channel.handleMessage(ackFor(h.sent[0]!)); // RTT sample 0 → RTO shrinks
    h.clock.advance(100);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0, 0, 1]);
  });

  test('fast: every expired message, oldest first, capped per tick', () => {
    const h = harness({ retransmission: 'fast', maxRetransmitsPerTick: 2 });
    for (const letter of 'abc') h.channel.send(PayloadType.Output, bytes(letter));
    h.clear();
    h.clock.advance(300);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0, 1]);
    h.clock.advance(100);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0, 1, 2]);
  });

  test('gives up after maxResendAttempts with ERR_PROTOCOL_RETRANSMIT_LIMIT', () => {
    const h = harness({ retransmission: 'faithful', maxResendAttempts: 3 });
    const errors: Error[] = [];
    h.channel.on('error', (error) => errors.push(error));
    h.channel.send(PayloadType.Output, bytes('a'));
    h.clock.advance(10_000);
    expect(h.data()).toHaveLength(4); // first transmission + 3 retransmissions
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'ERR_PROTOCOL_RETRANSMIT_LIMIT',
        reason: 'retransmit-limit',
      }),
    ]);
    expect(h.channel.isClosed).toBe(true);
    expect(h.clock.pendingTimers).toBe(0);
  });

  test('the client gives up after 3000 attempts by default', () => {
    const h = harness({ retransmission: 'faithful' });
    const onError = vi.fn();
    h.channel.on('error', onError);
    h.channel.send(PayloadType.Output, bytes('a'));
    // RTO stays 200 ms without samples, so one retransmission every third 100 ms tick.
    h.clock.advance(2_999 * 300 + 100);
    expect(onError).not.toHaveBeenCalled();
    expect(h.channel.stats.retransmissions).toBe(2_999);
    h.clock.advance(600);
    expect(onError).toHaveBeenCalledOnce();
    expect(h.channel.stats.retransmissions).toBe(3_000);
  });

  test('no transmission or retransmission while disconnected; buffered messages go out on reconnect', () => {
    const h = harness({ retransmission: 'faithful' });
    h.channel.send(PayloadType.Output, bytes('a'));
    h.channel.setConnected(false);
    h.channel.send(PayloadType.Output, bytes('b'));
    h.clear();
    h.clock.advance(5_000);
    expect(h.sent).toHaveLength(0);
    h.channel.setConnected(true);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([1]); // never-sent goes at once
    h.clock.advance(100);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([1, 0]); // oldest expired one by the timer
  });

  test('fast policy retransmits every unacked message immediately on reconnect', () => {
    const h = harness({ retransmission: 'fast' });
    h.channel.send(PayloadType.Output, bytes('a'));
    h.channel.send(PayloadType.Output, bytes('b'));
    h.channel.setConnected(false);
    h.clear();
    h.channel.setConnected(true);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0, 1]);
  });

  test('pause/start publication: buffer while paused, acks still sent, resume on start or on data/ack', () => {
    const h = harness({ retransmission: 'faithful' });
    const events: string[] = [];
    h.channel.on('pause', () => events.push('pause'));
    h.channel.on('resume', () => events.push('resume'));
    h.channel.handleMessage({ ...agentFrame(0), messageType: MessageType.PausePublication });
    expect(h.channel.isPaused).toBe(true);
    expect(h.channel.send(PayloadType.Output, bytes('a'))).toBe(false);
    h.clock.advance(2_000);
    expect(h.data()).toHaveLength(0);
    h.channel.handleMessage({ ...agentFrame(0), messageType: MessageType.StartPublication });
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0]);
    h.channel.pause();
    h.channel.send(PayloadType.Output, bytes('b'));
    h.channel.handleMessage(agentFrame(0)); // incoming data un-pauses and is acked
    expect(h.acks()).toEqual([0]);
    expect(h.data().map((m) => m.sequenceNumber)).toEqual([0, 1]);
    expect(events).toEqual(['pause', 'resume', 'pause', 'resume']);
  });

  test('acks are still sent while paused', () => {
    const h = harness();
    h.channel.pause();
    // Deliver without un-pausing: a message arriving resumes, so check the ack goes out regardless.
    h.channel.handleMessage(agentFrame(0));
    expect(h.acks()).toEqual([0]);
  });

  test('back-pressure: send returns false at the bound, drain after acks, nothing evicted', () => {
    const h = harness({ highWaterMarkMessages: 3 });
    const drain = vi.fn();
    h.channel.on('drain', drain);
    expect(h.channel.send(PayloadType.Output, bytes('a'))).toBe(true);
    expect(h.channel.send(PayloadType.Output, bytes('b'))).toBe(true);
    expect(h.channel.send(PayloadType.Output, bytes('c'))).toBe(false);
    expect(h.channel.send(PayloadType.Output, bytes('d'))).toBe(false);
    expect(h.channel.unacknowledgedCount).toBe(4);
    h.channel.handleMessage(ackFor(h.sent[0]!));
    expect(drain).not.toHaveBeenCalled();
    h.channel.handleMessage(ackFor(h.sent[1]!));
    expect(drain).toHaveBeenCalledOnce();
    expect(h.channel.writable).toBe(true);
  });

  test('back-pressure by bytes', () => {
    const h = harness({ highWaterMarkBytes: 3 * (120 + 1000) });
    const payload = new Uint8Array(1000).fill(1);
    expect(h.channel.send(PayloadType.Output, payload)).toBe(true);
    expect(h.channel.send(PayloadType.Output, payload)).toBe(true);
    expect(h.channel.send(PayloadType.Output, payload)).toBe(false);
    expect(h.channel.bufferedAmount).toBe(3 * 1120);
  });

  test('the timer stops when everything is acknowledged', () => {
    const h = harness();
    h.channel.send(PayloadType.Output, bytes('a'));
    expect(h.clock.pendingTimers).toBe(1);
    h.channel.handleMessage(ackFor(h.sent[0]!));
    expect(h.clock.pendingTimers).toBe(0);
  });

  test('send after close throws ERR_PROTOCOL_CLOSED', () => {
    const h = harness();
    h.channel.close();
    expect(() => h.channel.send(PayloadType.Output, bytes('a'))).toThrowError(
      expect.objectContaining({ code: 'ERR_PROTOCOL_CLOSED' }),
    );
  });
});

describe('ReliableChannel with vi fake timers and the system clock', () => {
  test('retransmission runs on the global timers', async () => {
    vi.useFakeTimers();
    try {
      const sent: ClientMessage[] = [];
      const channel = new ReliableChannel({
        role: 'client',
        retransmission: 'faithful',
        transmit: (frame) => sent.push(decodeClientMessage(frame)),
        deliver: () => true,
      });
      channel.setConnected(true);
      channel.send(PayloadType.Output, bytes('x'));
      await vi.advanceTimersByTimeAsync(250);
      expect(sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(100);
      expect(sent).toHaveLength(2);
      channel.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
