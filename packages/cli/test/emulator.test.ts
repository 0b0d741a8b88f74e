import { describe, expect, it } from 'vitest';
import { BASTION, runCli, startCli } from './helpers.js';

describe('emulator', () => {
  it('starts the emulator, serves the other commands, and stops on Ctrl-C', async () => {
    const emulator = startCli([
      'emulator',
      '--port',
      '0',
      '--fault-delay-ms',
      '1',
      '--fault-delay-jitter-ms',
      '2',
      '--agent-retransmission',
      'fast',
    ]);
    const [, endpoint] = await emulator.waitFor(
      /^ssmkit-emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m,
    );
    const faults = (await (await fetch(`${endpoint}/_emulator/faults`)).json()) as object;
    expect(faults).toMatchObject({ delayMs: 1, delayJitterMs: 2 });
    const doctor = await runCli(['doctor', '--target', BASTION, '--endpoint-url', endpoint!]);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toContain('✓ Target: EC2 i-0123456789abcdef0');
    emulator.child.kill('SIGINT');
    expect((await emulator.exited).code).toBe(0);
    expect(emulator.stderr()).toContain('Emulator stopped.');
  });

  it('rejects bad fault rates like ssmkit-emulator', async () => {
    const result = await runCli(['emulator', '--port', '0', '--fault-drop', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error ERR_CLI_USAGE: --fault-drop must be a number between 0 and 1, got "2".\n',
    );
    const policy = await runCli(['emulator', '--port', '0', '--agent-retransmission', 'slow']);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toBe(
      'error ERR_CLI_USAGE: --agent-retransmission must be faithful or fast, got "slow".\n',
    );
  });
});
