// Bad input and hostile cases, end to end through node-api/core against the emulator. Each case
// asserts its documented error code, that data in flight is either delivered intact or visibly
// cut off (never silently truncated with success), and that no credential, session token,
// StreamUrl query string or password appears in any captured log line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  createAwsContext,
  openPortTunnel,
  type AwsContext,
  type PortTunnel,
  type TunnelEvent,
} from '@ssmkit/core';
import { defaultWorldInput, startEmulator, type Emulator, type WorldInput } from '@ssmkit/emulator';
import { openTunnel } from '@ssmkit/node-api';
import { connectWebSocket, type DataChannelSocket } from '@ssmkit/protocol';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  captureDebugLogs,
  findSecrets,
  type LogCapture,
} from '../../src/reliability/log-capture.js';
import {
  runPatternClient,
  type PatternTransferResult,
} from '../../src/reliability/pattern-client.js';
import { startPatternServer, serverSeedFor } from '../../src/reliability/pattern-server.js';
import { patternDigest } from '../../src/reliability/pattern-stream.js';

const BASTION = 'i-0123456789abcdef0';
const OLD_AGENT = 'i-0aaaaaaaaaaaaaaa1';
const REGION = 'us-east-1';
const ACCESS_KEY_ID = 'AKIAE2EHOSTILE000001';
const SECRET_ACCESS_KEY = 'e2eHostileSecret/K7MDENG+bPxRfiCYzzzzzzzz';
const WRONG_SECRET = 'e2eWrongSecret/aaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const DB_PASSWORD = 'demo-password';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/demo-admin';
const DB_HOST = 'hostile-db.internal.example';
const MiB = 1024 * 1024;

/** Every secret value seen in a test (tokens and StreamUrl queries are added as they appear). */
let secrets: string[];
let logs: LogCapture;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  secrets = [SECRET_ACCESS_KEY, WRONG_SECRET, DB_PASSWORD];
  logs = captureDebugLogs('ssmkit:*');
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  logs.stop();
  // The capture works (something was logged), and nothing secret was.
  expect(logs.lines.length).toBeGreaterThan(0);
  expect(findSecrets(logs.lines, secrets)).toEqual([]);
});

function hostileWorld(destinationPort: number): WorldInput {
  const world = structuredClone(defaultWorldInput);
  world.credentials = [
    {
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      accountId: '000000000000',
      arn: 'arn:aws:iam::000000000000:user/hostile',
      userId: 'AIDAE2EHOSTILE00001',
    },
  ];
  world.instances = [
    ...(world.instances ?? []),
    {
      instanceId: OLD_AGENT,
      tags: { Name: 'old-agent' },
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetId: 'subnet-0a1b2c3d4e5f60001',
      agentVersion: '3.0.196.0', // no smux: basic port forwarding
    },
  ];
  world.hostAliases = { ...world.hostAliases, [DB_HOST]: `127.0.0.1:${destinationPort}` };
  return world;
}

interface Fixture {
  emulator: Emulator;
  /** Extra time on the emulator's clock (credential expiry), on top of `Date.now()`. */
  clock: { aheadMs: number };
  context: (options?: { roleArn?: string }) => Promise<AwsContext>;
}

async function startFixture(
  destinationPort: number,
  options: { agentRetransmission?: 'faithful' | 'fast' } = {},
): Promise<Fixture> {
  const clock = { aheadMs: 0 };
  const emulator = await startEmulator({
    port: 0,
    world: hostileWorld(destinationPort),
    clock: { now: () => Date.now() + clock.aheadMs },
    ...options,
  });
  cleanups.push(() => emulator.close());
  return {
    emulator,
    clock,
    context: async (options = {}) => {
      const context = await createAwsContext({
        region: REGION,
        endpoint: emulator.endpoint,
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
        ...(options.roleArn === undefined
          ? {}
          : { roleArn: options.roleArn, durationSeconds: 900 }),
      });
      cleanups.push(() => context.destroy());
      return context;
    },
  };
}

async function patternServer(): Promise<Awaited<ReturnType<typeof startPatternServer>>> {
  const server = await startPatternServer();
  cleanups.push(() => server.close());
  return server;
}

/**
 * A WebSocket factory that records each StreamUrl query and TokenValue as secrets, and can
 * replace the token of an attempt (`tamper(token, attempt)`).
 */
function recordingFactory(tamper?: (token: string, attempt: number) => string) {
  let attempts = 0;
  const tokens: string[] = [];
  const factory = async (
    url: string,
    options: Parameters<typeof connectWebSocket>[1],
  ): Promise<DataChannelSocket> => {
    const query = new URL(url).search.slice(1);
    if (query !== '') secrets.push(query);
    const attempt = attempts++;
    const socket = await connectWebSocket(url, options);
    return {
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      get isOpen() {
        return socket.isOpen;
      },
      ...(socket.ping === undefined
        ? {}
        : { ping: (payload: Uint8Array) => socket.ping?.(payload) }),
      setHandlers: (handlers) => socket.setHandlers(handlers),
      close: (code, reason) => socket.close(code, reason),
      send(data) {
        if (typeof data === 'string') {
          const open = JSON.parse(data) as { TokenValue: string };
          tokens.push(open.TokenValue);
          secrets.push(open.TokenValue);
          if (tamper !== undefined) {
            open.TokenValue = tamper(open.TokenValue, attempt);
            secrets.push(open.TokenValue);
            socket.send(JSON.stringify(open));
            return;
          }
        }
        socket.send(data);
      },
    };
  };
  return { factory, tokens, attempts: () => attempts };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(Error);
  expect((error as Error & { code?: string }).code).toBe(code);
  // Messages and stacks count as log lines too.
  logs.add(String(error));
  logs.add((error as Error).stack ?? '');
  return error!;
}

/**
 * Data in flight was either delivered completely and intact, or visibly cut off: what arrived is
 * an exact prefix of what was sent, and the transfer did not look complete.
 */
function expectIntactOrVisiblyCut(result: PatternTransferResult): 'complete' | 'cut' {
  const complete =
    result.error === undefined &&
    result.up.actual.length === result.up.expected.length &&
    result.down.actual.length === result.down.expected.length;
  if (complete) {
    expect(result.up.actual).toEqual(result.up.expected);
    expect(result.down.actual).toEqual(result.down.expected);
    return 'complete';
  }
  // Not complete: the server's trailer (its receipt) never arrived or the socket failed…
  expect(
    result.error !== undefined || result.up.actual.sha256 === 'no trailer',
    'an incomplete transfer must not end like a complete one',
  ).toBe(true);
  // …and every byte that did arrive is the right byte.
  expect(result.down.actual.sha256).toBe(
    patternDigest(serverSeedFor(result.seed), result.down.actual.length),
  );
  return 'cut';
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function adminPost(emulator: Emulator, path: string): Promise<unknown> {
  const response = await fetch(`${emulator.endpoint}/_emulator/${path}`, { method: 'POST' });
  expect(response.status).toBe(200);
  return response.json();
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function track(tunnel: PortTunnel | { close(): Promise<void> }): void {
  cleanups.push(() => tunnel.close());
}

describe('session tokens', () => {
  test('a wrong token is refused: ERR_TUNNEL_SESSION_OPEN', async () => {
    const server = await patternServer();
    const fixture = await startFixture(server.port);
    const recording = recordingFactory(() => 'not-the-token-0000000000');
    await expectCode(
      openPortTunnel({
        context: await fixture.context(),
        target: BASTION,
        host: DB_HOST,
        port: 5432,
        reconnect: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 },
        webSocketFactory: recording.factory,
      }),
      'ERR_TUNNEL_SESSION_OPEN',
    );
    expect(recording.attempts()).toBeGreaterThan(0);
  });

  test('a reused token is refused on reconnect: ERR_TUNNEL_RECONNECT_FAILED, in-flight data not silently cut', async () => {
    const server = await patternServer();
    const fixture = await startFixture(server.port);
    const recording = recordingFactory((token, attempt) =>
      attempt === 0 ? token : recording.tokens[0]!,
    );
    const events: TunnelEvent[] = [];
    const tunnel = await openPortTunnel({
      context: await fixture.context(),
      target: BASTION,
      host: DB_HOST,
      port: 5432,
      reconnect: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 },
      webSocketFactory: recording.factory,
      onEvent: (event) => events.push(event),
    });
    track(tunnel);
    const transfer = runPatternClient({
      port: tunnel.localPort,
      seed: 11,
      upLength: 64 * MiB,
      downLength: 64 * MiB,
    });
    await until(() => tunnel.stats().bytesReceived > 256 * 1024);
    await adminPost(fixture.emulator, `sessions/${tunnel.sessionId}/kill-socket`);
    const result = await transfer;
    expect(expectIntactOrVisiblyCut(result)).toBe('cut');
    await until(() => events.some((event) => event.type === 'session-ended'));
    const ended = events.find((event) => event.type === 'session-ended');
    expect(ended).toMatchObject({ reason: 'reconnect-failed' });
    expect((ended as { error?: { code: string } }).error?.code).toBe('ERR_TUNNEL_RECONNECT_FAILED');
    logs.add(JSON.stringify(events));
  });
});

describe('credentials', () => {
  test('SigV4 with a wrong secret: ERR_AWS_INVALID_CREDENTIALS', async () => {
    const server = await patternServer();
    const fixture = await startFixture(server.port);
    await expectCode(
      openTunnel({
        host: DB_HOST,
        port: 5432,
        target: BASTION,
        region: REGION,
        endpoint: fixture.emulator.endpoint,
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: WRONG_SECRET },
        logger: {
          debug: (line) => logs.add(line),
          info: (line) => logs.add(line),
          warn: (line) => logs.add(line),
          error: (line) => logs.add(line),
        },
      }),
      'ERR_AWS_INVALID_CREDENTIALS',
    );
  });

  test('assumed-role credentials expire mid-tunnel: refreshed, the resumed transfer is intact', async () => {
    // Only Date is faked (timers stay real): the SDK signing requests and caching credentials,
    // core's refresh and the emulator all see time jump. Node's own HTTP Date header does not,
    // so the jump stays inside the 15-minute signing skew AWS tolerates (the SDK corrects its
    // clock from that header).
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    cleanups.push(() => {
      vi.useRealTimers();
    });
    const server = await patternServer();
    // The agent's `fast` policy: with `faithful` (one retransmission per 100 ms) the messages
    // lost with the killed socket take minutes to recover (see the faithful soak).
    const fixture = await startFixture(server.port, { agentRetransmission: 'fast' });
    const context = await fixture.context({ roleArn: ROLE_ARN });
    const first = await context.credentials();
    secrets.push(first.secretAccessKey, first.sessionToken ?? '');
    const events: TunnelEvent[] = [];
    const tunnel = await openPortTunnel({
      context,
      target: BASTION,
      host: DB_HOST,
      port: 5432,
      webSocketFactory: recordingFactory().factory,
      onEvent: (event) => events.push(event),
    });
    track(tunnel);
    const size = 16 * MiB;
    const transfer = runPatternClient({
      port: tunnel.localPort,
      seed: 21,
      upLength: size,
      downLength: size,
    });
    await until(() => tunnel.stats().bytesReceived > 512 * 1024);
    // 11 minutes later for the client, 16 for the service: the first assumed-role credentials
    // (900 s) have expired at the service, and the client is inside its 5-minute refresh window.
    vi.setSystemTime(Date.now() + 11 * 60_000);
    fixture.clock.aheadMs = 5 * 60_000;
    await adminPost(fixture.emulator, `sessions/${tunnel.sessionId}/kill-socket`);
    const result = await transfer;
    expect(expectIntactOrVisiblyCut(result)).toBe('complete');
    // Without the refresh the session could not have been resumed: the service refuses them.
    const stale = new SSMClient({
      endpoint: fixture.emulator.endpoint,
      region: REGION,
      credentials: first,
      maxAttempts: 1,
    });
    cleanups.push(() => stale.destroy());
    await expect(
      stale.send(new DescribeSessionsCommand({ State: 'Active' })),
    ).rejects.toMatchObject({ name: 'ExpiredTokenException' });
    const second = await context.credentials();
    secrets.push(second.secretAccessKey, second.sessionToken ?? '');
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(events.filter((event) => event.type === 'reconnected').length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === 'session-started')).toHaveLength(1);
    // The emulator saw a second AssumeRole (the refresh) and accepted the ResumeSession.
    expect(logs.lines.filter((line) => /AssumeRole -> 200/.test(line)).length).toBeGreaterThan(1);
    expect(logs.lines.some((line) => /ResumeSession -> 200/.test(line))).toBe(true);
  }, 60_000);
});

describe('targets and destinations', () => {
  test('the target goes offline mid-transfer: the connection is closed, not truncated with success; new sessions get ERR_AWS_TARGET_NOT_CONNECTED', async () => {
    const server = await patternServer();
    const fixture = await startFixture(server.port);
    const events: TunnelEvent[] = [];
    const tunnel = await openPortTunnel({
      context: await fixture.context(),
      target: BASTION,
      host: DB_HOST,
      port: 5432,
      webSocketFactory: recordingFactory().factory,
      onEvent: (event) => events.push(event),
    });
    track(tunnel);
    const transfer = runPatternClient({
      port: tunnel.localPort,
      seed: 31,
      upLength: 64 * MiB,
      downLength: 64 * MiB,
    });
    await until(() => tunnel.stats().bytesReceived > 256 * 1024);
    await adminPost(fixture.emulator, `targets/${BASTION}/offline`);
    expect(expectIntactOrVisiblyCut(await transfer)).toBe('cut');
    await until(() => events.some((event) => event.type === 'session-ended'));
    expect(events.find((event) => event.type === 'session-ended')).toMatchObject({
      reason: 'channel-closed',
    });
    // The listener stays; the next connection tries a new session, which AWS refuses.
    const next = await runPatternClient({
      port: tunnel.localPort,
      seed: 32,
      upLength: 1024,
      downLength: 1024,
    });
    expect(expectIntactOrVisiblyCut(next)).toBe('cut');
    await until(() =>
      events.some(
        (event) =>
          JSON.stringify(event).includes('ERR_AWS_TARGET_NOT_CONNECTED') ||
          (event as { error?: { code?: string } }).error?.code === 'ERR_AWS_TARGET_NOT_CONNECTED',
      ),
    );
    logs.add(JSON.stringify(events));
  });

  test('the destination refuses (agent sends ConnectToPortError): that connection fails, the session serves the next', async () => {
    const port = await freePort();
    const fixture = await startFixture(port);
    const events: TunnelEvent[] = [];
    const tunnel = await openTunnel({
      host: DB_HOST,
      port: 5432,
      target: BASTION,
      region: REGION,
      endpoint: fixture.emulator.endpoint,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      onEvent: (event) => events.push(event),
    });
    track(tunnel);
    const refused = await runPatternClient({
      port: tunnel.localPort,
      seed: 41,
      upLength: 1024,
      downLength: 1024,
    });
    expect(expectIntactOrVisiblyCut(refused)).toBe('cut');
    expect(refused.down.actual.length).toBe(0);
    const close = events.find((event) => event.type === 'connection-close') as
      { error?: { code?: string } } | undefined;
    expect(close?.error?.code).toBe('ERR_PROTOCOL_CONNECT_TO_PORT');
    // Now the destination listens on that port: the same session serves it.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    server.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const socket = net.connect({ port: tunnel.localPort, host: '127.0.0.1' });
    const echoed = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.length >= 5) socket.end();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write('hello');
    });
    expect(echoed).toBe('hello');
    expect(events.filter((event) => event.type === 'session-started')).toHaveLength(1);
    logs.add(JSON.stringify(events));
  });

  test('an old agent (basic mode) whose destination refuses ends the session; the connection is not served', async () => {
    const port = await freePort();
    const fixture = await startFixture(port);
    const events: TunnelEvent[] = [];
    const tunnel = await openTunnel({
      host: DB_HOST,
      port: 5432,
      target: OLD_AGENT,
      region: REGION,
      endpoint: fixture.emulator.endpoint,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      reconnect: false,
      onEvent: (event) => events.push(event),
    });
    track(tunnel);
    expect(tunnel.mode).toBe('basic');
    const result = await runPatternClient({
      port: tunnel.localPort,
      seed: 51,
      upLength: 1024,
      downLength: 1024,
    });
    expect(expectIntactOrVisiblyCut(result)).toBe('cut');
    expect(result.down.actual.length).toBe(0);
    logs.add(JSON.stringify(events));
  });
});

describe('local listener and configuration', () => {
  test('a local port in use: ERR_TUNNEL_PORT_IN_USE naming the port', async () => {
    const fixture = await startFixture(await freePort());
    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => busy.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const { port } = busy.address() as net.AddressInfo;
    const error = await expectCode(
      openTunnel({
        host: DB_HOST,
        port: 5432,
        target: BASTION,
        localPort: port,
        region: REGION,
        endpoint: fixture.emulator.endpoint,
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      }),
      'ERR_TUNNEL_PORT_IN_USE',
    );
    expect((error as Error & { localPort?: number }).localPort).toBe(port);
  });

  test('loopback by default; a non-loopback bind must be asked for and is warned about', async () => {
    const server = await patternServer();
    const fixture = await startFixture(server.port);
    const options = {
      host: DB_HOST,
      port: 5432,
      target: BASTION,
      region: REGION,
      endpoint: fixture.emulator.endpoint,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    };
    const local = await openTunnel(options);
    track(local);
    expect(local.localAddress).toBe('127.0.0.1');
    expect(logs.lines.some((line) => /not loopback/.test(line))).toBe(false);
    const exposed = await openTunnel({ ...options, bindAddress: '0.0.0.0' });
    track(exposed);
    expect(exposed.localAddress).toBe('0.0.0.0');
    expect(
      logs.lines.some((line) => /warning: listening on 0\.0\.0\.0.*not loopback/.test(line)),
    ).toBe(true);
    const result = await runPatternClient({
      port: exposed.localPort,
      seed: 61,
      upLength: 4096,
      downLength: 4096,
    });
    expect(expectIntactOrVisiblyCut(result)).toBe('complete');
  });

  test('a world file with errors: ERR_EMULATOR_WORLD naming the file and the path', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ssmkit-hostile-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const file = join(directory, 'world.json');
    writeFileSync(
      file,
      JSON.stringify({
        credentials: [{ accessKeyId: 'AKIAE2EBADWORLD00001', secretAccessKey: SECRET_ACCESS_KEY }],
        instances: [{ instanceId: 'i-0123456789abcdef0', tags: 'not-an-object' }],
      }),
    );
    const error = await expectCode(startEmulator({ port: 0, world: file }), 'ERR_EMULATOR_WORLD');
    expect(error.message).toContain('world.json');
    expect(error.message).toMatch(/instances\[0\]\.tags/);
    expect(error.message).not.toContain(SECRET_ACCESS_KEY);
    // Broken JSON is reported the same way.
    writeFileSync(file, '{ "instances": [ }');
    await expectCode(startEmulator({ port: 0, world: file }), 'ERR_EMULATOR_WORLD');
  });
});
