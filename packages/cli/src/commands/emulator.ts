import { defineCommand } from 'citty';
import { DEFAULT_PORT, startEmulator, type StartEmulatorOptions } from '@ssmkit/emulator';
import { CliError } from '../errors/cli-error.js';
import { useRuntime } from '../internal/cli-runtime.js';

function rate(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1) {
    throw new CliError(
      'ERR_CLI_USAGE',
      `${flag} must be a number between 0 and 1, got "${value}".`,
    );
  }
  return number;
}

function milliseconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new CliError(
      'ERR_CLI_USAGE',
      `${flag} must be a whole number of milliseconds, got "${value}".`,
    );
  }
  return number;
}

/** `ssm-tunnel emulator`: the local AWS stand-in, same flags as `ssmkit-emulator`. */
export const emulatorCommand = defineCommand({
  meta: {
    name: 'emulator',
    description: 'Start the local Session Manager emulator to try every command offline',
  },
  args: {
    port: {
      type: 'string',
      description: `Port to listen on (default ${DEFAULT_PORT}; 0 = any free port)`,
    },
    host: { type: 'string', description: 'Address to listen on (default 127.0.0.1)' },
    world: { type: 'string', description: 'World JSON file (default: the built-in world)' },
    pace: { type: 'boolean', description: 'Pace agent output like the real agent' },
    'fault-drop': {
      type: 'string',
      description: 'Drop data-channel frames with this probability (0-1)',
    },
    'fault-duplicate': {
      type: 'string',
      description: 'Duplicate frames with this probability (0-1)',
    },
    'fault-reorder': { type: 'string', description: 'Reorder frames with this probability (0-1)' },
    'fault-delay-ms': { type: 'string', description: 'Delay every frame by this many ms' },
    'fault-delay-jitter-ms': {
      type: 'string',
      description: 'Add a random 0..ms delay per frame (frames may overtake)',
    },
    'fault-kill-socket-every': {
      type: 'string',
      description: 'Kill data-channel sockets this often (ms)',
    },
    'agent-retransmission': {
      type: 'string',
      description: 'Agent retransmission: faithful (default, like AWS) or fast',
    },
    json: { type: 'boolean', description: 'One JSON object per event line on stdout' },
  },
  async run({ args }) {
    const { output, interrupts } = useRuntime(args);
    const port = args.port === undefined ? DEFAULT_PORT : Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new CliError('ERR_CLI_USAGE', `--port must be a port number, got "${args.port}".`);
    }
    const faults: NonNullable<StartEmulatorOptions['faults']> = {};
    const drop = rate('--fault-drop', args['fault-drop']);
    const duplicate = rate('--fault-duplicate', args['fault-duplicate']);
    const reorder = rate('--fault-reorder', args['fault-reorder']);
    const delayMs = milliseconds('--fault-delay-ms', args['fault-delay-ms']);
    const delayJitterMs = milliseconds('--fault-delay-jitter-ms', args['fault-delay-jitter-ms']);
    const retransmission = args['agent-retransmission'];
    if (
      retransmission !== undefined &&
      retransmission !== 'faithful' &&
      retransmission !== 'fast'
    ) {
      throw new CliError(
        'ERR_CLI_USAGE',
        `--agent-retransmission must be faithful or fast, got "${retransmission}".`,
      );
    }
    const killSocketEveryMs = milliseconds(
      '--fault-kill-socket-every',
      args['fault-kill-socket-every'],
    );
    if (drop !== undefined) faults.drop = drop;
    if (duplicate !== undefined) faults.duplicate = duplicate;
    if (reorder !== undefined) faults.reorder = reorder;
    if (delayMs !== undefined) faults.delayMs = delayMs;
    if (delayJitterMs !== undefined) faults.delayJitterMs = delayJitterMs;
    if (killSocketEveryMs !== undefined) faults.killSocketEveryMs = killSocketEveryMs;
    interrupts.install();
    const emulator = await startEmulator({
      port,
      ...(args.host === undefined ? {} : { host: args.host }),
      ...(args.world === undefined ? {} : { world: args.world }),
      ...(args.pace === true ? { pace: true } : {}),
      ...(Object.keys(faults).length === 0 ? {} : { faults }),
      ...(retransmission === undefined ? {} : { agentRetransmission: retransmission }),
    });
    output.event({ type: 'emulator-listening', endpoint: emulator.endpoint, port: emulator.port });
    output.result(`ssmkit-emulator listening on ${emulator.endpoint}`);
    if (!['127.0.0.1', '::1', 'localhost'].includes(emulator.host)) {
      output.warn(
        `listening on ${emulator.host}, not loopback; anyone who can reach it can use the admin API.`,
      );
    }
    output.info(
      `Try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 ssm-tunnel db demo-db --endpoint-url ${emulator.endpoint}`,
    );
    await interrupts.wait();
    await emulator.close();
    output.info('Emulator stopped.');
    output.event({ type: 'emulator-stopped' });
  },
});
