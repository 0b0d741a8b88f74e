import { SsmError } from '@ssmkit/protocol';
import type { SsmErrorOptions } from '@ssmkit/protocol';

/** Stable codes of errors the emulator throws to its embedder (not AWS API errors). */
export const EmulatorErrorCode = {
  /** The world file is missing, not JSON, or fails validation. */
  World: 'ERR_EMULATOR_WORLD',
  /** startEmulator() options are invalid. */
  Config: 'ERR_EMULATOR_CONFIG',
  /** The HTTP port could not be bound. */
  Listen: 'ERR_EMULATOR_LISTEN',
} as const;
export type EmulatorErrorCode = (typeof EmulatorErrorCode)[keyof typeof EmulatorErrorCode];

/** An error of the emulator process itself (configuration, world file, listening socket). */
export class EmulatorError extends SsmError {
  constructor(code: EmulatorErrorCode, message: string, options: SsmErrorOptions = {}) {
    super(code, message, options);
    this.name = 'EmulatorError';
  }
}
