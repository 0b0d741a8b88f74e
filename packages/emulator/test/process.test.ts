import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { EmulatorError, startEmulator } from '../src/index.js';
import { parseCliArguments } from '../src/cli-arguments.js';

const packageDirectory = fileURLToPath(new URL('..', import.meta.url));

function spawnCli(args: string[]) {
  return spawn(
    process.execPath,
    ['--conditions=@ssmkit/source', '--import', 'tsx', 'src/cli.ts', ...args],
    {
      cwd: packageDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBUG: 'ssmkit:*', NODE_NO_WARNINGS: '1' },
    },
  );
}

describe('CLI', () => {
  it('prints the exact first line and exits 0 on SIGTERM; logs no secrets', async () => {
    const child = spawnCli(['--port', '0', '--fault-drop', '0.1']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    expect(first).toMatch(/^ssmkit-emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    const endpoint = first.slice('ssmkit-emulator listening on '.length);
    // Exercise it so debug logs are produced, including a rejected open frame.
    const health = await fetch(`${endpoint}/_emulator/health`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/secretAccessKey|TokenValue|Signature=/);
  }, 30_000);

  it('prints help and exits 0', async () => {
    const child = spawnCli(['--help']);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: ssmkit-emulator/);
    expect(stdout).toContain('--fault-kill-socket-every');
  }, 30_000);

  it('parses every flag', () => {
    expect(
      parseCliArguments([
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--world',
        'w.json',
        '--pace',
        '--fault-drop',
        '0.1',
        '--fault-duplicate',
        '0.2',
        '--fault-reorder',
        '0.3',
        '--fault-delay-ms',
        '5',
        '--fault-delay-jitter-ms',
        '50',
        '--agent-retransmission',
        'fast',
        '--fault-kill-socket-every',
        '1000',
      ]),
    ).toEqual({
      help: false,
      options: {
        port: 0,
        host: '127.0.0.1',
        world: 'w.json',
        pace: true,
        agentRetransmission: 'fast',
        faults: {
          drop: 0.1,
          duplicate: 0.2,
          reorder: 0.3,
          delayMs: 5,
          delayJitterMs: 50,
          killSocketEveryMs: 1000,
        },
      },
    });
    expect(() => parseCliArguments(['--agent-retransmission', 'slow'])).toThrow('faithful or fast');
    expect(() => parseCliArguments(['--port', 'x'])).toThrow('--port must be 0-65535');
    expect(() => parseCliArguments(['--fault-drop', '2'])).toThrow('between 0 and 1');
    expect(() => parseCliArguments(['--bogus'])).toThrow();
  });
});

describe('startEmulator', () => {
  it('port 0 picks a free port and close() leaves no handles', async () => {
    const count = () =>
      process
        .getActiveResourcesInfo()
        .filter((name) => name === 'TCPServerWrap' || name === 'TCPSocketWrap').length;
    const before = count();
    const emulator = await startEmulator({ port: 0 });
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.host).toBe('127.0.0.1');
    // A keep-alive HTTP connection and a WebSocket waiting for its open frame.
    await new Promise<void>((resolve, reject) => {
      const agentRequest = request(
        `${emulator.endpoint}/_emulator/health`,
        { agent: false, headers: { connection: 'keep-alive' } },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      agentRequest.on('error', reject);
      agentRequest.end();
    });
    const started = emulator.state.sessions.size;
    expect(started).toBe(0);
    const socket = new WebSocket(`ws://127.0.0.1:${emulator.port}/v1/data-channel/none`);
    socket.on('error', () => undefined);
    await once(socket, 'unexpected-response').catch(() => undefined);
    socket.terminate();
    await emulator.close();
    await emulator.close(); // idempotent
    // Closed sockets leave the handle list on a later tick: poll (bounded) instead of sleeping.
    for (let waited = 0; count() !== before && waited < 2_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(count()).toBe(before);
  });

  it('fails clearly when the port is taken', async () => {
    const first = await startEmulator({ port: 0 });
    const error = await startEmulator({ port: first.port }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmulatorError);
    expect((error as EmulatorError).code).toBe('ERR_EMULATOR_LISTEN');
    expect((error as EmulatorError).message).toMatch(/already in use/);
    await first.close();
  });
});
