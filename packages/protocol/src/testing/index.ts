/**
 * @ssmkit/protocol/testing — in-memory sockets, a lossy link and a fake clock for tests of
 * anything built on the data channel.
 *
 * @packageDocumentation
 */
export {};
