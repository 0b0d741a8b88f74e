/**
 * smux v1 (xtaci/smux v1.5.15/16) for Session Manager port forwarding (spec §7.4).
 *
 * @packageDocumentation
 */
export {
  MuxCommand,
  MuxVersion,
  MuxFrameLayout,
  MuxDefaults,
  encodeMuxFrame,
  describeMuxFrame,
  describeMuxCommand,
  isMuxCommand,
  encodeUpdate,
  decodeUpdate,
} from './frame.js';
export type { MuxFrame, MuxUpdate } from './frame.js';
export { MuxDecoder } from './decoder.js';
export type { MuxDecoderOptions } from './decoder.js';
export { MuxSession } from './mux-session.js';
export type {
  MuxRole,
  MuxSessionOptions,
  MuxKeepAliveOptions,
  MuxSessionEvents,
} from './mux-session.js';
export { MuxStream } from './mux-stream.js';
