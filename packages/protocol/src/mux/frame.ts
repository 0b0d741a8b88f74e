/**
 * Wire vocabulary of smux (xtaci/smux v1.5.15/16), the stream multiplexer that Session Manager
 * port forwarding runs inside the data channel (spec/protocol.md §7.4, Appendix B).
 * One file, so every offset, command and default is named once.
 *
 * Frame layout (8-byte header, multi-byte fields **little-endian**):
 *
 * | Offset | Size   | Field                                   |
 * | ------ | ------ | --------------------------------------- |
 * | 0      | 1      | version (1; 2 for v2)                   |
 * | 1      | 1      | cmd ({@link MuxCommand})                |
 * | 2      | 2      | length of data, uint16 LE               |
 * | 4      | 4      | stream id, uint32 LE                    |
 * | 8      | length | data (PSH payload; UPD: 8 bytes)        |
 */
import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';

/** smux commands (`cmd` byte, offset 1). Go: `cmdSYN`…`cmdUPD`. */
export const MuxCommand = {
  /** Open a stream (length 0). */
  Syn: 0,
  /** Close a stream: the sender will write no more (length 0). */
  Fin: 1,
  /** Stream data (length = number of data bytes). */
  Psh: 2,
  /** Keep-alive, stream id 0, length 0. */
  Nop: 3,
  /** v2 only: window update, data = consumed u32 LE ‖ window u32 LE. */
  Upd: 4,
} as const;
export type MuxCommand = (typeof MuxCommand)[keyof typeof MuxCommand];

const commandNames: readonly string[] = ['SYN', 'FIN', 'PSH', 'NOP', 'UPD'];

/** smux protocol versions. SSM uses version 1 on both sides. */
export const MuxVersion = {
  V1: 1,
  /** Adds per-stream flow control (UPD frames). Not used by Session Manager. */
  V2: 2,
} as const;
export type MuxVersion = (typeof MuxVersion)[keyof typeof MuxVersion];

/** Byte offsets and sizes of the smux frame header. */
export const MuxFrameLayout = {
  VERSION_OFFSET: 0,
  COMMAND_OFFSET: 1,
  LENGTH_OFFSET: 2,
  STREAM_ID_OFFSET: 4,
  /** Header size; data starts here. Go: `headerSize`. */
  HEADER_SIZE: 8,
  /** Size of UPD data. Go: `szCmdUPD`. */
  UPDATE_SIZE: 8,
  /** Largest data length the 16-bit length field can carry. */
  MAX_DATA_LENGTH: 0xffff,
  /** Largest stream id (uint32). */
  MAX_STREAM_ID: 0xffff_ffff,
} as const;

/** `smux.DefaultConfig()` of v1.5.15/16, as both the SSM agent and the official plugin use it. */
export const MuxDefaults = {
  version: MuxVersion.V1,
  /** Go `KeepAliveInterval`: a NOP is sent this often when keep-alive is on. */
  keepAliveIntervalMs: 10_000,
  /** Go `KeepAliveTimeout`: the session closes if no frame arrived during one such window. */
  keepAliveTimeoutMs: 30_000,
  /** Go `MaxFrameSize`: data bytes per PSH frame. */
  maxFrameSize: 32_768,
  /** Go `MaxReceiveBuffer`: session-wide bucket of buffered-but-unread stream data. */
  maxReceiveBuffer: 4_194_304,
  /** Go `MaxStreamBuffer`: per-stream window, only meaningful in v2. */
  maxStreamBuffer: 65_536,
} as const;

/** One smux frame. Go: `smux.Frame`. */
export interface MuxFrame {
  /** Go `ver`: protocol version, 1 (or 2). */
  version: number;
  /** Go `cmd`: one of {@link MuxCommand}. */
  command: MuxCommand;
  /** Go `sid`: stream id, uint32. 0 for NOP. */
  streamId: number;
  /**
   * Go `data`: PSH payload, UPD window update, empty otherwise. Decoded frames may hold a view
   * into the input chunk: copy it if you keep it and the chunk's memory may be reused.
   */
  data: Uint8Array;
}

/** Data of a v2 UPD frame. */
export interface MuxUpdate {
  /** Total bytes the receiver has consumed from the stream (uint32, wraps). */
  consumed: number;
  /** The receiver's window (`MaxStreamBuffer`). */
  window: number;
}

function invalidField(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.INVALID_FIELD, message);
}

/** Name of a command byte for logs (`SYN`, `PSH`, … or `cmd(7)`). */
export function describeMuxCommand(command: number): string {
  return commandNames[command] ?? `cmd(${command})`;
}

/** True if `command` is a command smux v1/v2 defines. */
export function isMuxCommand(command: number): command is MuxCommand {
  return Number.isInteger(command) && command >= 0 && command <= MuxCommand.Upd;
}

/**
 * Serialize one frame: 8-byte header plus data, in a new array.
 *
 * @throws {ProtocolError} `ERR_PROTOCOL_INVALID_FIELD` when a field is out of range.
 * @example
 * ```ts
 * encodeMuxFrame({ version: 1, command: MuxCommand.Syn, streamId: 3, data: new Uint8Array() });
 * // → 01 00 0000 03000000
 * ```
 */
export function encodeMuxFrame(frame: MuxFrame): Uint8Array {
  const { version, command, streamId, data } = frame;
  if (version !== MuxVersion.V1 && version !== MuxVersion.V2) {
    throw invalidField(`smux version must be 1 or 2, got ${version}`);
  }
  if (!isMuxCommand(command)) {
    throw invalidField(`smux command must be 0–4 (SYN…UPD), got ${String(command)}`);
  }
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > MuxFrameLayout.MAX_STREAM_ID) {
    throw invalidField(`smux stream id must be a uint32, got ${streamId}`);
  }
  if (data.byteLength > MuxFrameLayout.MAX_DATA_LENGTH) {
    throw invalidField(
      `smux frame data must be at most ${MuxFrameLayout.MAX_DATA_LENGTH} bytes, got ${data.byteLength}; split it into several PSH frames`,
    );
  }
  const bytes = new Uint8Array(MuxFrameLayout.HEADER_SIZE + data.byteLength);
  writeMuxHeader(bytes, version, command, streamId, data.byteLength);
  bytes.set(data, MuxFrameLayout.HEADER_SIZE);
  return bytes;
}

/**
 * Write an 8-byte header at offset 0 of `target` (no validation; for callers that already
 * checked their fields and want to place data after it without another copy).
 * @internal
 */
export function writeMuxHeader(
  target: Uint8Array,
  version: number,
  command: number,
  streamId: number,
  length: number,
): void {
  target[0] = version;
  target[1] = command;
  target[2] = length & 0xff;
  target[3] = length >>> 8;
  target[4] = streamId & 0xff;
  target[5] = (streamId >>> 8) & 0xff;
  target[6] = (streamId >>> 16) & 0xff;
  target[7] = streamId >>> 24;
}

/**
 * Parse the 8 data bytes of a UPD frame.
 *
 * @throws {ProtocolError} `ERR_PROTOCOL_MUX_INVALID_FRAME` when `data` is not 8 bytes.
 */
export function decodeUpdate(data: Uint8Array): MuxUpdate {
  if (data.byteLength !== MuxFrameLayout.UPDATE_SIZE) {
    throw new ProtocolError(
      ProtocolErrorCode.MUX_INVALID_FRAME,
      `smux UPD data must be ${MuxFrameLayout.UPDATE_SIZE} bytes, got ${data.byteLength}`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { consumed: view.getUint32(0, true), window: view.getUint32(4, true) };
}

/** Build the 8 data bytes of a UPD frame. */
export function encodeUpdate(update: MuxUpdate): Uint8Array {
  const data = new Uint8Array(MuxFrameLayout.UPDATE_SIZE);
  const view = new DataView(data.buffer);
  view.setUint32(0, update.consumed >>> 0, true);
  view.setUint32(4, update.window >>> 0, true);
  return data;
}

/**
 * One-line description of a frame for logs and test names, e.g. `PSH v1 sid=3 len=5`.
 * Never includes the data.
 */
export function describeMuxFrame(frame: MuxFrame): string {
  let text = `${describeMuxCommand(frame.command)} v${frame.version} sid=${frame.streamId} len=${frame.data.byteLength}`;
  if (frame.command === MuxCommand.Upd && frame.data.byteLength === MuxFrameLayout.UPDATE_SIZE) {
    const update = decodeUpdate(frame.data);
    text += ` consumed=${update.consumed} window=${update.window}`;
  }
  return text;
}
