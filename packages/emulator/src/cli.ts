/**
 * `ssmkit-emulator` — runs the emulator until SIGINT/SIGTERM. The first stdout line is exactly
 * `ssmkit-emulator listening on http://<host>:<port>`; nothing printed contains credentials,
 * tokens or signatures.
 */
import { startEmulator } from './emulator.js';
import { SsmError } from '@ssmkit/protocol';
import { HELP, parseCliArguments, UsageError } from './cli-arguments.js';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCliArguments(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `ssmkit-emulator: ${error.message}\nRun ssmkit-emulator --help for usage.\n`,
      );
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let emulator;
  try {
    emulator = await startEmulator(parsed.options);
  } catch (error) {
    if (SsmError.isInstance(error)) {
      process.stderr.write(`ssmkit-emulator: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  process.stdout.write(`ssmkit-emulator listening on ${emulator.endpoint}\n`);
  if (emulator.host !== '127.0.0.1' && emulator.host !== '::1' && emulator.host !== 'localhost') {
    process.stderr.write(
      `ssmkit-emulator: warning: listening on ${emulator.host}, not loopback; anyone who can reach it can use the admin API.\n`,
    );
  }
  process.stdout.write(
    `world: ${typeof parsed.options.world === 'string' ? parsed.options.world : 'default'} (${emulator.world.instances.length} instances, ${emulator.world.ecs.clusters.length} ECS clusters, ${emulator.world.rds.instances.length} RDS instances)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `ssmkit-emulator: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nRun with DEBUG=ssmkit:* for details.\n`,
    );
    process.exitCode = 1;
  },
);
