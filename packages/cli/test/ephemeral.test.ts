import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

const EPHEMERAL = ['--ephemeral', '--ecs-cluster', 'demo', '--ecs-service', 'bastion'];

function taskIdOf(arn: string): string {
  return arn.split('/').pop()!;
}

describe('ephemeral bastions and Ctrl-C', () => {
  it('Ctrl-C terminates the session and stops the ephemeral task, exit 0', async () => {
    const cli = startCli(
      [
        'forward',
        ...EPHEMERAL,
        '--port',
        '8080',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
      ],
      {
        env: world.env,
      },
    );
    const [, port, sessionId] = await cli.waitFor(
      /Forwarding 127\.0\.0\.1:(\d+) → ecs:demo_\S+:8080 \(session ([\w-]+)\)/,
    );
    const { sent, received } = await echoThrough(Number(port), 100_000);
    expect(sha256(received)).toBe(sha256(sent));
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    const [, taskId] = cli
      .stderr()
      .match(/Tunnel closed: session [\w-]+ terminated, ephemeral task (\w+) stopped/)!;
    const state = await emulatorState(world.endpoint);
    expect(state.sessions.find((session) => session.sessionId === sessionId)?.status).toBe(
      'Terminated',
    );
    // StopTask was called: the task is on its way down (the emulator passes DEPROVISIONING first).
    expect(['DEPROVISIONING', 'STOPPED']).toContain(
      state.tasks.find((task) => task.taskId === taskId)?.lastStatus,
    );
  });

  it('Ctrl-C while the task is starting stops it and exits 130', async () => {
    const cli = startCli(
      [
        'forward',
        ...EPHEMERAL,
        '--port',
        '8080',
        '--local-port',
        '0',
        '--json',
        '--endpoint-url',
        world.endpoint,
      ],
      {
        env: world.env,
      },
    );
    await cli.waitFor(/"type":"starting-task"/);
    // The task exists once RunTask answered; give it a moment.
    await new Promise((done) => setTimeout(done, 300));
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    expect(code).toBe(130);
    const state = await emulatorState(world.endpoint);
    const ephemeral = state.tasks.filter((task) => task.group === 'family:bastion');
    expect(ephemeral.length).toBeGreaterThan(0);
    expect(
      ephemeral.every(
        (task) => task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING',
      ),
    ).toBe(true);
  });

  it('status lists the session and task; stop and cleanup end them', async () => {
    const cli = startCli(
      [
        'forward',
        ...EPHEMERAL,
        '--port',
        '8080',
        '--local-port',
        '0',
        '--json',
        '--endpoint-url',
        world.endpoint,
      ],
      {
        env: world.env,
      },
    );
    await cli.waitFor(/"type":"ready"/);
    const ready = JSON.parse(
      cli
        .stdout()
        .split('\n')
        .find((line) => line.includes('"type":"ready"'))!,
    ) as {
      sessionId: string;
      ephemeralTask: string;
    };
    const status = await runCli(['status', '--endpoint-url', world.endpoint], { env: world.env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Sessions (1):\n  ${ready.sessionId}  ecs:demo_`);
    expect(status.stdout).toContain(
      `Ephemeral bastions (1):\n  ${taskIdOf(ready.ephemeralTask)}  demo  RUNNING  owner arn:aws:iam::000000000000:user/test  expires `,
    );
    const json = await runCli(['status', '--json', '--endpoint-url', world.endpoint], {
      env: world.env,
    });
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { type: string }).type),
    ).toEqual(['session', 'ephemeral-task']);

    // A crash leaves both behind.
    cli.child.kill('SIGKILL');
    await cli.exited;
    const stop = await runCli(['stop', ready.sessionId, '--endpoint-url', world.endpoint], {
      env: world.env,
    });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`Stopped session ${ready.sessionId}`);
    const dry = await runCli(['cleanup', '--endpoint-url', world.endpoint], { env: world.env });
    expect(dry.stderr).toContain('No expired ephemeral bastions.');
    const cleanup = await runCli(['cleanup', '--all', '--endpoint-url', world.endpoint], {
      env: world.env,
    });
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toContain(`Stopped ${taskIdOf(ready.ephemeralTask)}`);
    const state = await emulatorState(world.endpoint);
    expect(state.sessions.find((session) => session.sessionId === ready.sessionId)?.status).toBe(
      'Terminated',
    );
    expect(['DEPROVISIONING', 'STOPPED']).toContain(
      state.tasks.find((task) => task.taskId === taskIdOf(ready.ephemeralTask))?.lastStatus,
    );
  });

  it('stop without an id and without a TTY names the flags', async () => {
    const cli = startCli(
      [
        'forward',
        '--target',
        'i-0123456789abcdef0',
        '--port',
        '8080',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
      ],
      { env: world.env },
    );
    await cli.waitFor(/Forwarding/);
    const stop = await runCli(['stop', '--endpoint-url', world.endpoint], { env: world.env });
    expect(stop.code).toBe(2);
    expect(stop.stderr).toContain('error ERR_CLI_NOT_INTERACTIVE: Missing <id> or --all');
    const all = await runCli(['stop', '--all', '--endpoint-url', world.endpoint], {
      env: world.env,
    });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/Stopped session test-\w+ \(i-0123456789abcdef0\)\./);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});
