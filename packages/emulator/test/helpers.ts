import { startEmulator } from '../src/index.js';
import type { Emulator, StartEmulatorOptions } from '../src/index.js';

export const REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A clock the test moves by hand. */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

export function createManualClock(start = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

export async function start(options: StartEmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ port: 0, host: '127.0.0.1', ...options });
}

/** SDK client configuration pointing at the emulator. */
export function clientConfig(
  emulator: Emulator,
  credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  } = TEST_CREDENTIALS,
  region = REGION,
): { endpoint: string; region: string; credentials: typeof credentials; maxAttempts: number } {
  return { endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 };
}

/** Runs `promise`, expects it to reject, returns the error. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}
