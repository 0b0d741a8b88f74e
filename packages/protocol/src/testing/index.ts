/**
 * @ssmkit/protocol/testing — in-memory sockets, a lossy link and a fake clock for tests of
 * anything built on the data channel.
 *
 * @packageDocumentation
 */
export { FakeClock, yieldToEventLoop } from './fake-clock.js';
export { MemorySocket, createSocketPair } from './memory-socket.js';
export type { MemoryFrame, SocketPair } from './memory-socket.js';
export { createLossyLink, createPrng } from './lossy-link.js';
export type { LossyLink, LossyLinkOptions, LossyLinkStats } from './lossy-link.js';
