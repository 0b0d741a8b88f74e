import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASTION,
  ECHO_HOST,
  echoThrough,
  emulatorState,
  runCli,
  sha256,
  startCli,
  startTestWorld,
  type TestWorld,
} from './helpers.js';

let world: TestWorld;

beforeAll(async () => {
  world = await startTestWorld();
});

afterAll(async () => {
  await world?.close();
});

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('forward', () => {
  it('forwards a local port to a remote host byte-exact, and Ctrl-C closes the session', async () => {
    const cli = startCli(
      [
        'forward',
        '--target',
        BASTION,
        '--host',
        ECHO_HOST,
        '--port',
        '7000',
        '--local-port',
        '0',
        '--verbose',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    const [, port, sessionId] = await cli.waitFor(
      /Forwarding 127\.0\.0\.1:(\d+) → echo\.internal:7000 via i-0123456789abcdef0 \(session ([\w-]+)\)\. Ctrl-C to stop\./,
    );
    for (const size of [1, 65_536, 1_000_000]) {
      const { sent, received } = await echoThrough(Number(port), size);
      expect(received.length).toBe(sent.length);
      expect(sha256(received)).toBe(sha256(sent));
    }
    await cli.waitFor(/Connection #3 closed: 1000000 bytes sent, 1000000 received/, 'stderr');
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    expect(code).toBe(0);
    expect(cli.stderr()).toContain(`Tunnel closed: session ${sessionId} terminated (3 connections`);
    const state = await emulatorState(world.endpoint);
    expect(state.sessions.find((session) => session.sessionId === sessionId)?.status).toBe(
      'Terminated',
    );
  });

  it('is the default command, and uses the remote port locally when it is free', async () => {
    const probe = await import('node:net').then(({ default: net }) => {
      const server = net.createServer();
      return new Promise<number>((done) =>
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => done(port));
        }),
      );
    });
    const cli = startCli(
      ['--target', BASTION, '--port', String(probe), '--endpoint-url', world.endpoint],
      {
        env: world.env,
      },
    );
    const [, port] = await cli.waitFor(/Forwarding 127\.0\.0\.1:(\d+) → i-0123456789abcdef0:(\d+)/);
    expect(Number(port)).toBe(probe);
    const { sent, received } = await echoThrough(probe, 4096);
    expect(sha256(received)).toBe(sha256(sent));
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });

  it('falls back to any free port when the remote port is taken', async () => {
    const net = (await import('node:net')).default;
    const blocker = net.createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', () => done()));
    const taken = (blocker.address() as { port: number }).port;
    const cli = startCli(
      ['forward', '--target', BASTION, '--port', String(taken), '--endpoint-url', world.endpoint],
      {
        env: world.env,
      },
    );
    const [, port] = await cli.waitFor(/Forwarding 127\.0\.0\.1:(\d+) →/);
    expect(Number(port)).not.toBe(taken);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    blocker.close();
  });

  it('--json prints one event object per line', async () => {
    const cli = startCli(
      [
        'forward',
        '--target',
        'tag:Name=bastion',
        '--host',
        ECHO_HOST,
        '--port',
        '7000',
        '--local-port',
        '0',
        '--json',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    await cli.waitFor(/"type":"ready"/);
    const ready = jsonLines(cli.stdout()).find((event) => event.type === 'ready')!;
    const { sent, received } = await echoThrough(Number(ready.localPort), 10_000);
    expect(sha256(received)).toBe(sha256(sent));
    await cli.waitFor(/"type":"connection-close"/);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    const events = jsonLines(cli.stdout());
    expect(events.map((event) => event.type)).toEqual([
      'credentials',
      'resolving',
      'target-resolved',
      'session-started',
      'listening',
      'ready',
      'connection-open',
      'connection-close',
      'session-ended',
      'closed',
      'stopped',
    ]);
    expect(events.find((event) => event.type === 'connection-close')).toMatchObject({
      bytesSent: 10_000,
      bytesReceived: 10_000,
    });
    expect(ready).toMatchObject({ target: BASTION, host: ECHO_HOST, port: 7000 });
    for (const event of events) expect(typeof event.time).toBe('string');
    expect(cli.stderr()).toBe('');
    expect(cli.stdout()).not.toMatch(/TokenValue|X-Amz-|secret/i);
  });

  it('resolves param: targets and warns about a non-loopback --bind', async () => {
    const cli = startCli(
      [
        'forward',
        '--target',
        'param:/demo/bastion/instance-id',
        '--port',
        '7000',
        '--local-port',
        '0',
        '--bind',
        '0.0.0.0',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    await cli.waitFor(/Forwarding 0\.0\.0\.0:\d+ → i-0123456789abcdef0:7000/);
    expect(cli.stderr()).toContain('warning: listening on 0.0.0.0');
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});

describe('forward errors (not a TTY)', () => {
  it('names the missing --port', async () => {
    const result = await runCli(
      ['forward', '--target', BASTION, '--endpoint-url', world.endpoint],
      { env: world.env },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error ERR_CLI_USAGE: Missing --port (the remote port to forward to). Hint: For example: ssm-tunnel forward --target i-0123456789abcdef0 --port 22.\n',
    );
  });

  it('names the missing --target instead of prompting', async () => {
    const result = await runCli(
      ['forward', '--port', '22', '--local-port', '0', '--endpoint-url', world.endpoint],
      {
        env: world.env,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error ERR_CLI_NOT_INTERACTIVE: Missing --target');
    expect(result.stderr).toContain('--ephemeral --ecs-cluster <cluster> --ecs-service <service>');
  });

  it('exits 4 for an unknown target, 3 for bad credentials, 2 for a bad port', async () => {
    const target = await runCli(
      [
        'forward',
        '--target',
        'i-0000000000000000f',
        '--port',
        '22',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    expect(target.code).toBe(4);
    expect(target.stderr).toMatch(/^error ERR_TARGET_\w+: .*Hint: /);
    const auth = await runCli(
      ['forward', '--target', BASTION, '--port', '22', '--endpoint-url', world.endpoint],
      {
        env: { ...world.env, AWS_SECRET_ACCESS_KEY: 'wrong' },
      },
    );
    expect(auth.code).toBe(3);
    expect(auth.stderr).toMatch(/^error ERR_AWS_\w+: /);
    expect(auth.stderr).not.toContain('wrong');
    const usage = await runCli(['forward', '--target', BASTION, '--port', '70000'], {
      env: world.env,
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe(
      'error ERR_CLI_USAGE: --port must be a port number (1–65535), got "70000".\n',
    );
  });

  it('exits 5 when the local port is in use and was asked for explicitly', async () => {
    const net = (await import('node:net')).default;
    const blocker = net.createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', () => done()));
    const taken = (blocker.address() as { port: number }).port;
    const result = await runCli(
      [
        'forward',
        '--target',
        BASTION,
        '--port',
        '22',
        '--local-port',
        String(taken),
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    blocker.close();
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /^error ERR_TUNNEL_PORT_IN_USE: .* Hint: Pick another --local-port/,
    );
  });

  it('rejects unknown commands and malformed targets with exit code 2', async () => {
    const unknown = await runCli(['frobnicate'], { env: world.env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error ERR_CLI_USAGE: Unknown command "frobnicate".');
    const bad = await runCli(['forward', '--target', 'tag:oops', '--port', '22'], {
      env: world.env,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error ERR_CLI_USAGE: --target tag:oops: expected tag:Key=Value.');
  });
});
