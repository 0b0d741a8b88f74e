/** Argument parsing of `ssmkit-emulator` (no side effects, so tests can import it). */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from './emulator.js';
import type { StartEmulatorOptions } from './emulator.js';
import { DEFAULT_WORLD_IDS } from './world/default-world.js';
import type { Faults } from './world/schema.js';

export const HELP = `Usage: ssmkit-emulator [options]

A local stand-in for AWS Session Manager (SSM, STS, EC2, ECS, RDS, Secrets Manager APIs and the
data-channel WebSocket) on one HTTP port.

Options:
  --port <n>                     Port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host <address>               Address to listen on (default 127.0.0.1)
  --world <file>                 World JSON file (default: the built-in default world)
  --pace                         Pace agent output like the real agent (1 ms per 1024 bytes)
  --fault-drop <rate>            Drop data-channel frames with this probability (0-1)
  --fault-duplicate <rate>       Duplicate frames with this probability (0-1)
  --fault-reorder <rate>         Reorder frames with this probability (0-1)
  --fault-delay-ms <ms>          Delay every frame by this many ms
  --fault-delay-jitter-ms <ms>   Add a random 0..ms delay per frame (frames may overtake)
  --fault-kill-socket-every <ms> Kill data-channel sockets this often
  --agent-retransmission <policy>
                                 Agent retransmission: faithful (default, like AWS) or fast
  --help                         Show this help

Default world: access key "test", secret "test" (account ${DEFAULT_WORLD_IDS.accountId}), any region;
bastion ${DEFAULT_WORLD_IDS.bastionInstanceId} (Name=bastion).

  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \\
  AWS_ENDPOINT_URL=http://127.0.0.1:${DEFAULT_PORT} aws sts get-caller-identity
`;

/** A bad command line; printed with a hint, exit code 2. */
export class UsageError extends Error {}

function rate(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1)
    throw new UsageError(`--${name} must be a number between 0 and 1, got "${value}".`);
  return number;
}

function milliseconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`--${name} must be a whole number of milliseconds, got "${value}".`);
  return number;
}

/** Parses argv into startEmulator options (exported for tests). */
export function parseCliArguments(
  argv: string[],
): { help: true } | { help: false; options: StartEmulatorOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        world: { type: 'string' },
        pace: { type: 'boolean' },
        'fault-drop': { type: 'string' },
        'fault-duplicate': { type: 'string' },
        'fault-reorder': { type: 'string' },
        'fault-delay-ms': { type: 'string' },
        'fault-delay-jitter-ms': { type: 'string' },
        'agent-retransmission': { type: 'string' },
        'fault-kill-socket-every': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values;
  if (values.help === true) return { help: true };
  const options: StartEmulatorOptions = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`--port must be 0-65535, got "${values.port}".`);
    options.port = port;
  }
  if (values.host !== undefined) options.host = values.host;
  if (values.world !== undefined) options.world = values.world;
  if (values.pace === true) options.pace = true;
  const policy = values['agent-retransmission'];
  if (policy !== undefined) {
    if (policy !== 'faithful' && policy !== 'fast')
      throw new UsageError(`--agent-retransmission must be faithful or fast, got "${policy}".`);
    options.agentRetransmission = policy;
  }
  const faults: Partial<Faults> = {};
  const drop = rate('fault-drop', values['fault-drop']);
  const duplicate = rate('fault-duplicate', values['fault-duplicate']);
  const reorder = rate('fault-reorder', values['fault-reorder']);
  const delayMs = milliseconds('fault-delay-ms', values['fault-delay-ms']);
  const delayJitterMs = milliseconds('fault-delay-jitter-ms', values['fault-delay-jitter-ms']);
  const killSocketEveryMs = milliseconds(
    'fault-kill-socket-every',
    values['fault-kill-socket-every'],
  );
  if (drop !== undefined) faults.drop = drop;
  if (duplicate !== undefined) faults.duplicate = duplicate;
  if (reorder !== undefined) faults.reorder = reorder;
  if (delayMs !== undefined) faults.delayMs = delayMs;
  if (delayJitterMs !== undefined) faults.delayJitterMs = delayJitterMs;
  if (killSocketEveryMs !== undefined) faults.killSocketEveryMs = killSocketEveryMs;
  if (Object.keys(faults).length > 0) options.faults = faults;
  return { help: false, options };
}
