// SIGINT/SIGTERM while an ephemeral bastion is alive: a real child process opens a tunnel
// through an ephemeral Fargate task on the emulator, the test signals it, and checks that the
// session was terminated, the task stopped, and the process ended the default way (killed by
// the signal) — or, when the application listens for the signal itself, that core did not end
// the process. In-process tests check that guards do not leak signal listeners.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeSessionsCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { openPortTunnel, startEphemeralBastion, type AwsContext } from '../src/index.js';
import { defaultWorld, fastEcsWorld } from './helpers.js';
import {
  echoThrough,
  randomPayload,
  sha256,
  startEchoServer,
  startTunnelWorld,
  type TunnelWorld,
  waitFor,
} from './tunnel-helpers.js';

const packageDirectory = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/ephemeral-signal.ts', import.meta.url));

interface Line {
  type: string;
  taskArn?: string;
  sessionId?: string;
  port?: number;
  signalListeners?: number;
}

/** The fixture in a child process, with its JSON lines and its exit. */
interface Child {
  process: ChildProcess;
  lines: Line[];
  stderr: () => string;
  waitForLine: (type: string) => Promise<Line>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(endpoint: string, env: Record<string, string>): Child {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('SSMKIT_') && key !== 'DEBUG') {
      environment[key] = value;
    }
  }
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=NodeVersionSupportWarning',
      '--conditions=@ssmkit/source',
      '--import',
      'tsx',
      fixture,
    ],
    {
      cwd: packageDirectory,
      env: { ...environment, SSMKIT_TEST_ENDPOINT: endpoint, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Line[] = [];
  const waiters: { type: string; resolve: (line: Line) => void }[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (let newline = stdout.indexOf('\n'); newline >= 0; newline = stdout.indexOf('\n')) {
      const text = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const waiter of waiters.filter((candidate) => candidate.type === line.type)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exit,
    waitForLine: (type) => {
      const seen = lines.find((line) => line.type === type);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Line>((resolve) => waiters.push({ type, resolve })),
        exit.then(({ code, signal }) => {
          throw new Error(
            `the fixture exited (code ${code}, signal ${signal}) before printing ${type}: ${stderr}`,
          );
        }),
      ]);
    },
  };
}

/** Runs `body` with the child, and kills it if the test failed before it exited. */
async function withChild(
  endpoint: string,
  env: Record<string, string>,
  body: (child: Child) => Promise<void>,
): Promise<void> {
  const child = startChild(endpoint, env);
  try {
    await body(child);
  } finally {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
    }
  }
}

async function describeTask(
  context: AwsContext,
  taskArn: string,
): Promise<{ desiredStatus?: string; stoppedReason?: string }> {
  const output = await (
    await context.client('ecs')
  ).send(new DescribeTasksCommand({ cluster: 'demo', tasks: [taskArn] }));
  const task = output.tasks?.[0];
  if (task === undefined) throw new Error(`task ${taskArn} not found`);
  return task;
}

async function sessionStatus(context: AwsContext, sessionId: string): Promise<string | undefined> {
  for (const state of ['Active', 'History'] as const) {
    const output = await context.ssm.send(
      new DescribeSessionsCommand({
        State: state,
        Filters: [{ key: 'SessionId', value: sessionId }],
      }),
    );
    const session = output.Sessions?.[0];
    if (session !== undefined) return session.Status;
  }
  return undefined;
}

describe('signals with an ephemeral bastion (child process)', () => {
  let world: TunnelWorld;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;

  beforeAll(async () => {
    world = await startTunnelWorld(fastEcsWorld());
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.close();
    await world.close();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} terminates the session, stops the task and ends the process by ${signal}`, async () => {
      await withChild(
        world.emulator.endpoint,
        { SSMKIT_TEST_PORT: String(echo.port) },
        async (child) => {
          const ready = await child.waitForLine('ready');
          // One shared listener per signal, on top of none of the application's.
          expect(ready.signalListeners).toBe(1);
          const payload = randomPayload(256 * 1024);
          expect(sha256(await echoThrough(ready.port!, payload.bytes))).toBe(payload.sha256);
          expect((await describeTask(world.context, ready.taskArn!)).desiredStatus).toBe('RUNNING');

          child.process.kill(signal);
          const exit = await child.exit;
          expect(exit, child.stderr()).toEqual({ code: null, signal });
          // close() ran to the end before the signal was raised again.
          expect(child.lines.map((line) => line.type)).toContain('closed');
          const task = await describeTask(world.context, ready.taskArn!);
          expect(task.desiredStatus).toBe('STOPPED');
          expect(task.stoppedReason).toMatch(/^ssmkit: /);
          expect(await sessionStatus(world.context, ready.sessionId!)).toBe('Terminated');
        },
      );
    });
  }

  test('stdio session: SIGTERM terminates the session and stops the task', async () => {
    await withChild(
      world.emulator.endpoint,
      { SSMKIT_TEST_MODE: 'stdio', SSMKIT_TEST_PORT: String(echo.port) },
      async (child) => {
        const ready = await child.waitForLine('ready');
        expect(ready.signalListeners).toBe(1);
        child.process.kill('SIGTERM');
        expect(await child.exit, child.stderr()).toEqual({ code: null, signal: 'SIGTERM' });
        expect((await describeTask(world.context, ready.taskArn!)).desiredStatus).toBe('STOPPED');
        expect(await sessionStatus(world.context, ready.sessionId!)).toBe('Terminated');
      },
    );
  });

  test('an application that handles SIGINT itself keeps control: core stops the task but does not end the process', async () => {
    await withChild(
      world.emulator.endpoint,
      { SSMKIT_TEST_MODE: 'app-listener', SSMKIT_TEST_PORT: String(echo.port) },
      async (child) => {
        const ready = await child.waitForLine('ready');
        expect(ready.signalListeners).toBe(2); // the application's and core's
        child.process.kill('SIGINT');
        await child.waitForLine('app-sigint');
        await child.waitForLine('closed');
        // Nothing is left running once the tunnel closed, so the process ends by itself.
        expect(await child.exit, child.stderr()).toEqual({ code: 0, signal: null });
        expect((await describeTask(world.context, ready.taskArn!)).desiredStatus).toBe('STOPPED');
        expect(await sessionStatus(world.context, ready.sessionId!)).toBe('Terminated');
      },
    );
  });
});

describe('a signal while the ephemeral task is starting (child process)', () => {
  let world: TunnelWorld;

  beforeAll(async () => {
    // The task runs at once, but its ExecuteCommandAgent never becomes ready during the test.
    const input = defaultWorld();
    input.ecs = {
      ...input.ecs,
      taskStartup: {
        pendingAfterMs: 0,
        runningAfterMs: 10,
        agentRunningAfterMs: 3_600_000,
        stoppedAfterMs: 10,
      },
    };
    world = await startTunnelWorld(input);
  });
  afterAll(async () => {
    await world.close();
  });

  test('SIGTERM aborts the start, stops the task and ends the process by SIGTERM', async () => {
    await withChild(world.emulator.endpoint, {}, async (child) => {
      const running = await child.waitForLine('task-running');
      child.process.kill('SIGTERM');
      expect(await child.exit, child.stderr()).toEqual({ code: null, signal: 'SIGTERM' });
      expect(child.lines.map((line) => line.type)).not.toContain('ready');
      const task = await describeTask(world.context, running.taskArn!);
      expect(task.desiredStatus).toBe('STOPPED');
    });
  });
});

/**
 * A TCP proxy in front of the emulator's API that can be frozen: from then on it forwards
 * nothing more to the emulator, so AWS calls made through it hang like on a dead network.
 */
async function startFreezableProxy(targetPort: number): Promise<{
  endpoint: string;
  freeze: () => void;
  close: () => Promise<void>;
}> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('when the cleanup hangs (child process)', () => {
  let world: TunnelWorld;
  let proxy: Awaited<ReturnType<typeof startFreezableProxy>>;

  beforeAll(async () => {
    world = await startTunnelWorld(fastEcsWorld());
  });
  afterAll(async () => {
    await world.close();
  });
  beforeEach(async () => {
    proxy = await startFreezableProxy(world.emulator.port);
  });
  afterEach(async () => {
    await proxy.close();
  });

  test('a second SIGINT ends the process at once', async () => {
    await withChild(proxy.endpoint, { DEBUG: 'ssmkit:core:aws' }, async (child) => {
      await child.waitForLine('ready');
      proxy.freeze(); // TerminateSession and StopTask will never be answered
      child.process.kill('SIGINT');
      await waitFor(
        () => child.stderr().includes('SIGINT received'),
        30_000,
        'the cleanup to start',
      );
      child.process.kill('SIGINT');
      expect(await child.exit, child.stderr()).toEqual({ code: null, signal: 'SIGINT' });
      expect(child.lines.map((line) => line.type)).not.toContain('closed');
      // Ended by the second signal, not by the cleanup timeout.
      expect(child.stderr()).toContain('second SIGINT during cleanup');
      expect(child.stderr()).not.toContain('did not finish');
    });
  });

  test('a cleanup that cannot finish still lets the signal end the process', async () => {
    await withChild(proxy.endpoint, { DEBUG: 'ssmkit:core:aws*' }, async (child) => {
      await child.waitForLine('ready');
      proxy.freeze();
      child.process.kill('SIGTERM');
      // Raised again after SIGNAL_CLEANUP_TIMEOUT_MS although StopTask never returned.
      expect(await child.exit, child.stderr()).toEqual({ code: null, signal: 'SIGTERM' });
      expect(child.lines.map((line) => line.type)).not.toContain('closed');
      expect(child.stderr()).toContain('cleanup after SIGTERM did not finish');
      expect(child.stderr()).toContain('re-raising SIGTERM');
    });
  });
});

describe('signal listeners (in process)', () => {
  let world: TunnelWorld;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;

  beforeAll(async () => {
    world = await startTunnelWorld(fastEcsWorld());
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.close();
    await world.close();
  });

  const counts = (): { SIGINT: number; SIGTERM: number } => ({
    SIGINT: process.listenerCount('SIGINT'),
    SIGTERM: process.listenerCount('SIGTERM'),
  });
  const tunnelOptions = (): Parameters<typeof openPortTunnel>[0] => ({
    context: world.context,
    target: { ephemeral: { cluster: 'demo', service: 'bastion', pollIntervalMs: 20 } },
    host: '127.0.0.1',
    port: echo.port,
  });

  test('concurrent and repeated tunnels share one listener per signal and remove it on close', async () => {
    const before = counts();
    for (let round = 0; round < 3; round++) {
      const tunnels = await Promise.all([
        openPortTunnel(tunnelOptions()),
        openPortTunnel(tunnelOptions()),
      ]);
      expect(counts()).toEqual({ SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
      await tunnels[0].close();
      // The other task still runs: still guarded.
      expect(counts()).toEqual({ SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
      await tunnels[1].close();
      expect(counts()).toEqual(before);
    }
  });

  test('stopOnSignals: false installs no listener', async () => {
    const before = counts();
    const tunnel = await openPortTunnel({ ...tunnelOptions(), stopOnSignals: false });
    try {
      expect(counts()).toEqual(before);
    } finally {
      await tunnel.close();
    }
    expect(
      (await describeTask(world.context, tunnel.target.ephemeral!.taskArn)).desiredStatus,
    ).toBe('STOPPED');
  });

  test('a bastion started directly is guarded until stop(), and a failed start leaves no listener', async () => {
    const before = counts();
    const bastion = await startEphemeralBastion(world.context, {
      cluster: 'demo',
      service: 'bastion',
      pollIntervalMs: 20,
    });
    expect(counts().SIGINT).toBe(before.SIGINT + 1);
    await bastion.stop();
    expect(counts()).toEqual(before);

    await expect(
      startEphemeralBastion(world.context, {
        cluster: 'demo',
        service: 'bastion',
        container: 'no-such-container',
        pollIntervalMs: 20,
      }),
    ).rejects.toMatchObject({ code: 'ERR_TARGET_NOT_FOUND' });
    expect(counts()).toEqual(before);
  });
});
