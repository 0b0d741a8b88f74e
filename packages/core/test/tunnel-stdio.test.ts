// stdio mode (AWS-StartSSHSession, ssh ProxyCommand) with in-memory streams, against a TCP
// server standing in for sshd (banner first, then echo).
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStdioSession, type TunnelEvent } from '../src/index.js';
import {
  BASTION,
  randomPayload,
  sha256,
  startServer,
  startTunnelWorld,
  waitFor,
  type TunnelWorld,
} from './tunnel-helpers.js';

const BANNER = 'SSH-2.0-OpenSSH_9.6 fake\r\n';
let world: TunnelWorld;
let sshd: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  world = await startTunnelWorld();
  sshd = await startServer((socket) => {
    socket.write(BANNER);
    socket.on('data', (chunk: Buffer) => {
      // "quit" closes the connection from the server side, like sshd ending a session.
      if (chunk.toString() === 'quit') socket.end();
      else socket.write(chunk);
    });
    socket.on('end', () => socket.end());
  });
});
afterAll(async () => {
  await sshd.close();
  await world.close();
});

function collect(stream: PassThrough): { bytes: () => Buffer; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return {
    bytes: () => Buffer.concat(chunks),
    ended: new Promise((resolve) => stream.on('end', resolve)),
  };
}

describe('openStdioSession', () => {
  test('only payload bytes reach the output; stdin EOF terminates the session', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const received = collect(output);
    const events: TunnelEvent[] = [];
    const session = await openStdioSession({
      context: world.context,
      target: BASTION,
      port: sshd.port,
      input,
      output,
      reason: 'ssh via stdio',
      onEvent: (event) => events.push(event),
    });
    const record = world.emulator.state.sessions.get(session.sessionId)!;
    expect(record.documentName).toBe('AWS-StartSSHSession');
    expect(record.parameters).toMatchObject({ portNumber: [String(sshd.port)] });
    expect(record.reason).toBe('ssh via stdio');
    await waitFor(() => received.bytes().byteLength >= BANNER.length);
    const payload = randomPayload(300_000);
    for (let offset = 0; offset < payload.bytes.byteLength; offset += 10_000) {
      input.write(payload.bytes.subarray(offset, offset + 10_000));
    }
    await waitFor(() => received.bytes().byteLength >= BANNER.length + payload.bytes.byteLength);
    const bytes = received.bytes();
    expect(bytes.subarray(0, BANNER.length).toString()).toBe(BANNER);
    const echoed = bytes.subarray(BANNER.length);
    expect(echoed.byteLength).toBe(payload.bytes.byteLength);
    expect(sha256(echoed)).toBe(payload.sha256);

    input.end();
    const result = await session.done;
    expect(result).toEqual({ reason: 'terminated', output: '' });
    await received.ended;
    await waitFor(() => record.status === 'Terminated', 5_000, 'the service to terminate it');
    expect(session.stats()).toMatchObject({
      bytesSent: payload.bytes.byteLength,
      bytesReceived: BANNER.length + payload.bytes.byteLength,
      sessionsStarted: 1,
    });
    await session.close(); // the same promise as the close stdin EOF started: resources released
    expect(events.map((event) => event.type)).toEqual([
      'resolving',
      'target-resolved',
      'session-started',
      'session-ended',
      'closed',
    ]);
  });

  test('input that ends at once still gets every reply before the session is terminated', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const received = collect(output);
    const session = await openStdioSession({
      context: world.context,
      target: BASTION,
      port: sshd.port,
      input,
      output,
      inputEndGraceMs: 300,
    });
    // `printf … | ssm-tunnel ssh-proxy`: everything is written and stdin ends immediately.
    const payload = randomPayload(200_000);
    input.end(payload.bytes);
    const result = await session.done;
    await received.ended;
    expect(result).toEqual({ reason: 'terminated', output: '' });
    const bytes = received.bytes();
    expect(bytes.subarray(0, BANNER.length).toString()).toBe(BANNER);
    const echoed = bytes.subarray(BANNER.length);
    expect(echoed.byteLength).toBe(payload.bytes.byteLength);
    expect(sha256(echoed)).toBe(payload.sha256);
    const record = world.emulator.state.sessions.get(session.sessionId)!;
    await waitFor(() => record.status === 'Terminated', 5_000, 'the service to terminate it');
  });

  test('a bad inputEndGraceMs names the option', async () => {
    await expect(
      openStdioSession({ context: world.context, target: BASTION, inputEndGraceMs: -1 }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID_OPTION' });
  });

  test('sshd closing ends the session (channel_closed) and the output', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const received = collect(output);
    const session = await openStdioSession({
      context: world.context,
      target: BASTION,
      port: sshd.port,
      input,
      output,
    });
    await waitFor(() => received.bytes().byteLength >= BANNER.length);
    input.write('quit');
    const result = await session.done;
    expect(result.reason).toBe('channel-closed');
    await received.ended;
    expect(received.bytes().toString()).toBe(BANNER);
    await session.close();
  });

  test('a port-forwarding document is refused with ERR_TUNNEL_UNSUPPORTED_SESSION', async () => {
    const error = await openStdioSession({
      context: world.context,
      target: BASTION,
      port: sshd.port,
      documentName: 'AWS-StartPortForwardingSession',
      input: new PassThrough(),
      output: new PassThrough(),
    }).catch((caught: unknown) => caught as { code?: string });
    expect(error).toMatchObject({ code: 'ERR_TUNNEL_UNSUPPORTED_SESSION' });
  });
});
