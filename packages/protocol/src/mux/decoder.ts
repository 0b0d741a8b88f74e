import { ProtocolError, ProtocolErrorCode } from '../errors/index.js';
import { toHex } from '../internal/sha256.js';
import {
  MuxCommand,
  MuxFrameLayout as L,
  MuxVersion,
  describeMuxCommand,
  type MuxFrame,
} from './frame.js';

/** Options of {@link MuxDecoder}. */
export interface MuxDecoderOptions {
  /**
   * The configured smux version. Like Go smux, frames with any other version are rejected.
   * @default 1
   */
  version?: MuxVersion;
}

const EMPTY = new Uint8Array(0);

/**
 * Incremental smux frame parser for a byte stream chunked arbitrarily (spec §7.4: the data
 * channel splits and packs smux frames freely into ≤1024-byte messages).
 *
 * Each call to {@link MuxDecoder.decode} yields every frame completed by `chunk`. Frames that
 * lie entirely inside one chunk are returned as views into it (no copy); a frame split across
 * chunks is assembled once, when its last byte arrives, so large transfers never concatenate
 * repeatedly.
 *
 * Iterate the returned generator: it does nothing until it is iterated. If you stop iterating
 * early, the rest of the chunk is kept for the next call.
 *
 * @example
 * ```ts
 * const decoder = new MuxDecoder();
 * for (const frame of decoder.decode(chunk)) console.log(describeMuxFrame(frame));
 * decoder.end(); // throws ERR_PROTOCOL_TRUNCATED if a frame is incomplete
 * ```
 */
export class MuxDecoder {
  readonly #version: number;
  /** Parts of one incomplete frame (always less than one frame in total). */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Size (header + data) of the pending frame, or -1 while its header is incomplete. */
  #pendingFrameSize = -1;
  /** Unparsed rest of a chunk whose iteration was stopped early (may hold whole frames). */
  #backlog: Uint8Array | undefined;
  #error: ProtocolError | undefined;
  readonly #header = new Uint8Array(L.HEADER_SIZE);
  readonly #headerView = new DataView(this.#header.buffer);

  constructor(options: MuxDecoderOptions = {}) {
    const version = options.version ?? MuxVersion.V1;
    if (version !== MuxVersion.V1 && version !== MuxVersion.V2) {
      throw new ProtocolError(
        ProtocolErrorCode.INVALID_FIELD,
        `smux decoder version must be 1 or 2, got ${String(version)}`,
      );
    }
    this.#version = version;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes + (this.#backlog?.byteLength ?? 0);
  }

  /**
   * Feed the next chunk of the byte stream and yield the frames it completes, in order.
   *
   * @throws {ProtocolError} `ERR_PROTOCOL_MUX_INVALID_FRAME` on a version other than the
   *   configured one, an unknown command, or a length that the command forbids. The decoder
   *   is then unusable and throws the same error on every later call.
   */
  *decode(chunk: Uint8Array): Generator<MuxFrame, void, undefined> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#backlog !== undefined) {
      const backlog = this.#backlog;
      this.#backlog = undefined;
      chunk = concat([backlog, chunk], backlog.byteLength + chunk.byteLength);
    }
    const end = chunk.byteLength;
    let offset = 0;
    let completed = false;
    try {
      if (this.#pendingBytes > 0) {
        // Finish the frame split across earlier chunks.
        if (this.#pendingFrameSize < 0) {
          if (this.#pendingBytes + end < L.HEADER_SIZE) {
            this.#pending.push(chunk);
            this.#pendingBytes += end;
            offset = end;
            completed = true;
            return;
          }
          this.#fillHeader(chunk);
          this.#pendingFrameSize =
            L.HEADER_SIZE + this.#checkHeader(this.#headerView, 0, this.#header);
        }
        const missing = this.#pendingFrameSize - this.#pendingBytes;
        if (end < missing) {
          this.#pending.push(chunk);
          this.#pendingBytes += end;
          offset = end;
          completed = true;
          return;
        }
        this.#pending.push(chunk.subarray(0, missing));
        const bytes = concat(this.#pending, this.#pendingFrameSize);
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#pendingFrameSize = -1;
        offset = missing;
        yield frameAt(new DataView(bytes.buffer), bytes, 0, bytes.byteLength - L.HEADER_SIZE);
      }

      // Fast path: whole frames inside this chunk, returned as views.
      let restFrameSize = -1;
      if (end - offset >= L.HEADER_SIZE) {
        const view = new DataView(chunk.buffer, chunk.byteOffset, end);
        while (end - offset >= L.HEADER_SIZE) {
          const length = this.#checkHeader(view, offset, chunk);
          if (end - offset - L.HEADER_SIZE < length) {
            restFrameSize = L.HEADER_SIZE + length;
            break;
          }
          const frame = frameAt(view, chunk, offset, length);
          offset += L.HEADER_SIZE + length;
          yield frame;
        }
      }

      if (offset < end) {
        const rest = offset === 0 ? chunk : chunk.subarray(offset);
        this.#pending.push(rest);
        this.#pendingBytes = rest.byteLength;
        this.#pendingFrameSize = restFrameSize;
        offset = end;
      }
      completed = true;
    } catch (error) {
      if (error instanceof ProtocolError) this.#error = error;
      throw error;
    } finally {
      if (!completed && this.#error === undefined && offset < end) {
        // The consumer stopped iterating (or threw): keep the unparsed rest for the next call.
        this.#backlog = chunk.subarray(offset);
      }
    }
  }

  /**
   * Declare the end of input.
   *
   * @throws {ProtocolError} `ERR_PROTOCOL_TRUNCATED` if bytes of an incomplete frame are left,
   *   stating how many. The decoder is reset either way.
   */
  end(): void {
    const left = this.bufferedBytes;
    const frameSize = this.#pendingFrameSize;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#pendingFrameSize = -1;
    this.#backlog = undefined;
    if (left > 0) {
      throw new ProtocolError(
        ProtocolErrorCode.TRUNCATED,
        frameSize > 0
          ? `smux input ended inside a frame: ${left} bytes left over, the frame needs ${frameSize}`
          : `smux input ended inside a frame header: ${left} bytes left over, a header needs ${L.HEADER_SIZE}`,
      );
    }
  }

  /** Copy the first header bytes from the pending parts and `chunk` into `#header`. */
  #fillHeader(chunk: Uint8Array): void {
    let filled = 0;
    for (const part of this.#pending) {
      const take = Math.min(part.byteLength, L.HEADER_SIZE - filled);
      this.#header.set(part.subarray(0, take), filled);
      filled += take;
      if (filled === L.HEADER_SIZE) return;
    }
    this.#header.set(chunk.subarray(0, L.HEADER_SIZE - filled), filled);
  }

  /** Validate the header at `offset` and return its data length. */
  #checkHeader(view: DataView, offset: number, bytes: Uint8Array): number {
    const version = view.getUint8(offset + L.VERSION_OFFSET);
    const command = view.getUint8(offset + L.COMMAND_OFFSET);
    const length = view.getUint16(offset + L.LENGTH_OFFSET, true);
    if (version !== this.#version) {
      throw invalidFrame(
        `smux frame version ${version} does not match the session version ${this.#version}`,
        bytes,
        offset,
      );
    }
    switch (command) {
      case MuxCommand.Psh:
        return length;
      case MuxCommand.Syn:
      case MuxCommand.Fin:
      case MuxCommand.Nop:
        if (length !== 0) {
          throw invalidFrame(
            `smux ${describeMuxCommand(command)} frame must have length 0, got ${length}`,
            bytes,
            offset,
          );
        }
        return 0;
      case MuxCommand.Upd:
        if (length !== L.UPDATE_SIZE) {
          throw invalidFrame(
            `smux UPD frame must have length ${L.UPDATE_SIZE}, got ${length}`,
            bytes,
            offset,
          );
        }
        return length;
      default:
        throw invalidFrame(
          `smux command ${command} is unknown (expected 0–4: SYN, FIN, PSH, NOP, UPD)`,
          bytes,
          offset,
        );
    }
  }
}

function frameAt(view: DataView, bytes: Uint8Array, offset: number, length: number): MuxFrame {
  const start = offset + L.HEADER_SIZE;
  return {
    version: view.getUint8(offset + L.VERSION_OFFSET),
    command: view.getUint8(offset + L.COMMAND_OFFSET) as MuxCommand,
    streamId: view.getUint32(offset + L.STREAM_ID_OFFSET, true),
    data: length === 0 ? EMPTY : bytes.subarray(start, start + length),
  };
}

function invalidFrame(message: string, bytes: Uint8Array, offset: number): ProtocolError {
  const header = toHex(bytes.subarray(offset, offset + L.HEADER_SIZE));
  return new ProtocolError(ProtocolErrorCode.MUX_INVALID_FRAME, `${message} (header ${header})`);
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
