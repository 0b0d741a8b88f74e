// Shared set-up for the integration suites: a real emulator on a free loopback port and an
// AwsContext whose real SDK clients talk to it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWorldInput, startEmulator, type Emulator, type WorldInput } from '@ssmkit/emulator';
import { createAwsContext, type AwsContext, type AwsContextOptions } from '../src/index.js';

/** The default world's static credentials. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** A deep copy of the emulator's default world, to modify in a test. */
export function defaultWorld(): WorldInput {
  return structuredClone(defaultWorldInput);
}

/** A world whose ECS tasks start within a few hundred milliseconds. */
export function fastEcsWorld(world: WorldInput = defaultWorld()): WorldInput {
  world.ecs = {
    ...world.ecs,
    taskStartup: {
      pendingAfterMs: 20,
      runningAfterMs: 80,
      agentRunningAfterMs: 150,
      stoppedAfterMs: 50,
    },
  };
  return world;
}

/** Start an emulator with `world` and a context pointed at it. Call `close()` in afterEach/afterAll. */
export async function startWorld(
  world?: WorldInput,
  options: AwsContextOptions = {},
): Promise<{ emulator: Emulator; context: AwsContext; close: () => Promise<void> }> {
  const emulator = await startEmulator({ port: 0, ...(world === undefined ? {} : { world }) });
  const context = await createAwsContext({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: TEST_CREDENTIALS,
    ...options,
  });
  return {
    emulator,
    context,
    close: async () => {
      context.destroy();
      await emulator.close();
    },
  };
}

/**
 * Remove every AWS_* variable and point the shared config/credentials files at empty temp files,
 * so the SDK's default chain sees nothing from the machine. Returns a restore function.
 */
export function isolateAwsEnvironment(files: { config?: string; credentials?: string } = {}): {
  directory: string;
  restore: () => void;
} {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('AWS_')) delete process.env[key];
  }
  const directory = mkdtempSync(join(tmpdir(), 'ssmkit-core-env-'));
  const config = join(directory, 'config');
  const credentials = join(directory, 'credentials');
  writeFileSync(config, files.config ?? '');
  writeFileSync(credentials, files.credentials ?? '');
  process.env.AWS_CONFIG_FILE = config;
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
  // No instance-metadata probe on a developer machine or CI runner.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  return {
    directory,
    restore: () => {
      for (const key of Object.keys(process.env)) {
        if (!(key in saved)) delete process.env[key];
      }
      Object.assign(process.env, saved);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Capture an async failure to assert on it. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}
