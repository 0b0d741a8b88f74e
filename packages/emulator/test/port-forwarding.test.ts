import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { SSMClient, StartSessionCommand, DescribeSessionsCommand } from '@aws-sdk/client-ssm';
import {
  ClientDataChannel,
  attachMuxClient,
  connectWebSocket,
  type ClientHandshakeResult,
  type MuxStream,
} from '@ssmkit/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createAgentDataChannelService } from '../src/agent/agent-service.js';
import { startEmulator, type Emulator } from '../src/index.js';
import { defaultWorldInput } from '../src/world/default-world.js';
import { randomPayload, sha256, startEchoServer, unusedPort } from './helpers/echo-server.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const BASTION = 'i-0123456789abcdef0';

let echo: Awaited<ReturnType<typeof startEchoServer>>;

beforeAll(async () => {
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
});

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function emulatorWith(
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<{ emulator: Emulator; ssm: SSMClient }> {
  const emulator = await startEmulator({
    port: 0,
    dataChannel: (state) => createAgentDataChannelService(state),
    ...options,
  });
  running.push(emulator);
  const ssm = new SSMClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
  return { emulator, ssm };
}

/** StartSession + WebSocket + open frame + handshake, as a client does. */
async function openChannel(
  ssm: SSMClient,
  parameters: Record<string, string[]>,
  options: { document?: string; target?: string; clientVersion?: string } = {},
): Promise<{ channel: ClientDataChannel; handshake: ClientHandshakeResult; sessionId: string }> {
  const started = await ssm.send(
    new StartSessionCommand({
      Target: options.target ?? BASTION,
      DocumentName: options.document ?? 'AWS-StartPortForwardingSessionToRemoteHost',
      Parameters: parameters,
      Reason: 'port-forwarding test',
    }),
  );
  const channel = new ClientDataChannel(
    options.clientVersion === undefined ? {} : { clientVersion: options.clientVersion },
  );
  const handshake = once(channel, 'handshake-complete') as Promise<[ClientHandshakeResult]>;
  channel.attach(await connectWebSocket(started.StreamUrl!), { tokenValue: started.TokenValue! });
  const [result] = await handshake;
  return { channel, handshake: result, sessionId: started.SessionId! };
}

/** Writes `bytes` into a stream and collects everything that comes back until FIN. */
async function echoThrough(stream: MuxStream, bytes: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(stream, 'end');
  let received = 0;
  stream.on('data', (chunk: Buffer) => {
    received += chunk.byteLength;
    if (received >= bytes.byteLength) stream.end();
  });
  stream.write(bytes);
  await ended;
  return Buffer.concat(chunks);
}

describe('port forwarding through the emulated agent', () => {
  test('smux mode: 8 concurrent streams × 256 KiB echo byte-exact through a real TCP server', async () => {
    const { ssm } = await emulatorWith();
    const { channel, handshake } = await openChannel(ssm, {
      host: ['127.0.0.1'],
      portNumber: [String(echo.port)],
    });
    expect(handshake.sessionType).toBe('Port');
    expect(handshake.portMode).toBe('mux');
    expect(handshake.agentVersion).toBe('3.3.1142.0');
    const mux = attachMuxClient(channel, {
      keepAlive: handshake.gates.smuxKeepAliveDisabled ? false : {},
    });
    const payloads = Array.from({ length: 8 }, () => randomPayload(256 * 1024));
    const results = await Promise.all(
      payloads.map((payload) => echoThrough(mux.openStream(), payload.bytes)),
    );
    results.forEach((result, index) => {
      expect(result.byteLength).toBe(payloads[index]!.bytes.byteLength);
      expect(sha256(result)).toBe(payloads[index]!.sha256);
    });
    channel.terminate();
  });

  test('smux mode: a refused destination fails only its own stream (ConnectToPortError + FIN)', async () => {
    const { ssm } = await emulatorWith();
    const closedPort = await unusedPort();
    const { channel, handshake } = await openChannel(ssm, {
      host: ['127.0.0.1'],
      portNumber: [String(closedPort)],
    });
    const mux = attachMuxClient(channel, { keepAlive: false });
    const flags: number[] = [];
    channel.on('flag', (flag) => flags.push(flag));
    const stream = mux.openStream();
    const error = await new Promise<Error | undefined>((resolve) => {
      stream.once('error', resolve);
      stream.once('close', () => resolve(undefined));
    });
    expect(flags).toContain(3);
    expect(
      error === undefined || (error as { code?: string }).code === 'ERR_PROTOCOL_CONNECT_TO_PORT',
    ).toBe(true);
    expect(handshake.portMode).toBe('mux');
    channel.terminate();
  });

  test('basic mode against an old agent: one connection, bytes echo byte-exact', async () => {
    const world = structuredClone(defaultWorldInput);
    world.instances = [
      ...(world.instances ?? []),
      {
        instanceId: 'i-00000000000000a1d',
        tags: { Name: 'old-bastion' },
        ssmOnline: true,
        agentVersion: '3.0.161.0',
      },
    ];
    const { ssm } = await emulatorWith({ world });
    const { channel, handshake } = await openChannel(
      ssm,
      { host: ['127.0.0.1'], portNumber: [String(echo.port)] },
      { target: 'i-00000000000000a1d', clientVersion: '1.1.61.0' },
    );
    expect(handshake.portMode).toBe('basic');
    const payload = randomPayload(300 * 1024);
    const chunks: Uint8Array[] = [];
    let received = 0;
    const done = new Promise<void>((resolve) => {
      channel.on('data', (data) => {
        chunks.push(Uint8Array.from(data));
        received += data.byteLength;
        if (received >= payload.bytes.byteLength) resolve();
      });
    });
    channel.sendData(payload.bytes);
    await done;
    const result = Buffer.concat(chunks);
    expect(result.byteLength).toBe(payload.bytes.byteLength);
    expect(sha256(result)).toBe(payload.sha256);
    channel.terminate();
  });

  test('TerminateSession flag ends the session on the service side', async () => {
    const { ssm } = await emulatorWith();
    const { channel, sessionId } = await openChannel(ssm, {
      host: ['127.0.0.1'],
      portNumber: [String(echo.port)],
    });
    channel.terminate();
    await expect
      .poll(async () => {
        const history = await ssm.send(new DescribeSessionsCommand({ State: 'History' }));
        return history.Sessions?.some((session) => session.SessionId === sessionId) ?? false;
      })
      .toBe(true);
  });

  test('idle timeout: channel_closed with the AWS text reaches the client', async () => {
    const { ssm, emulator } = await emulatorWith();
    emulator.state.setPreferences({ idleTimeoutSeconds: 0.3 });
    const { channel } = await openChannel(ssm, {
      host: ['127.0.0.1'],
      portNumber: [String(echo.port)],
    });
    const [content] = (await once(channel, 'channel-closed')) as [{ output: string }];
    expect(content.output).toBe(
      'Your session timed out due to inactivity and has been terminated.',
    );
  });

  test('maximum session duration: channel_closed ends the session', async () => {
    const { ssm, emulator } = await emulatorWith();
    emulator.state.setPreferences({ maxSessionDurationSeconds: 0.4 });
    const { channel, sessionId } = await openChannel(ssm, {
      host: ['127.0.0.1'],
      portNumber: [String(echo.port)],
    });
    const [content] = (await once(channel, 'channel-closed')) as [
      { output: string; sessionId: string },
    ];
    expect(content.sessionId).toBe(sessionId);
    expect(content.output).toMatch(/maximum session duration/);
    expect(emulator.state.sessions.get(sessionId)?.endReason).toBe('max-duration');
  });

  test('a target going offline ends its sessions with channel_closed', async () => {
    const { ssm, emulator } = await emulatorWith();
    const { channel, sessionId } = await openChannel(ssm, {
      host: ['127.0.0.1'],
      portNumber: [String(echo.port)],
    });
    const closed = once(channel, 'channel-closed') as Promise<[{ destinationId: string }]>;
    const response = await fetch(`${emulator.endpoint}/_emulator/targets/${BASTION}/offline`, {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    const [content] = await closed;
    expect(content.destinationId).toBe(BASTION);
    expect(emulator.state.sessions.get(sessionId)?.endReason).toBe('target-gone');
  });

  test('the official client version (1.2.677.0, no smux keep-alive) gets mux mode', async () => {
    const { ssm } = await emulatorWith();
    const { channel, handshake } = await openChannel(
      ssm,
      { host: ['127.0.0.1'], portNumber: [String(echo.port)] },
      { clientVersion: '1.2.677.0' },
    );
    expect(handshake.portMode).toBe('mux');
    const mux = attachMuxClient(channel, { keepAlive: false });
    const payload = randomPayload(100_000);
    const result = await echoThrough(mux.openStream(), payload.bytes);
    expect(sha256(result)).toBe(payload.sha256);
    channel.terminate();
  });

  test('AWS-StartSSHSession: stdio forwarding to the target port; the server closing ends the session', async () => {
    const { ssm } = await emulatorWith();
    // An "sshd" that greets, echoes one line and hangs up.
    const server = net.createServer((socket) => {
      socket.write('SSH-2.0-emulated\r\n');
      socket.once('data', (line) => socket.end(line));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { channel, handshake } = await openChannel(
        ssm,
        { portNumber: [String(port)] },
        { document: 'AWS-StartSSHSession' },
      );
      expect(handshake.portMode).toBe('stdio');
      const received: Buffer[] = [];
      channel.on('data', (data) => received.push(Buffer.from(data)));
      const closed = once(channel, 'channel-closed');
      channel.sendData(Buffer.from('SSH-2.0-client\r\n'));
      await closed;
      expect(Buffer.concat(received).toString()).toBe('SSH-2.0-emulated\r\nSSH-2.0-client\r\n');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
