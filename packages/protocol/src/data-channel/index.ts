/** Data-channel roles over a {@link DataChannelSocket}, the `ws` adapter and the smux helpers. */
export { DataChannelBase } from './data-channel-base.js';
export type {
  DataChannelOptions,
  DataChannelEvents,
  DataConsumer,
  ReliabilityTuning,
} from './data-channel-base.js';
export { ClientDataChannel } from './client-data-channel.js';
export type {
  ClientDataChannelOptions,
  ClientDataChannelEvents,
  ClientAttachOptions,
  ClientHandshakeResult,
} from './client-data-channel.js';
export { AgentDataChannel } from './agent-data-channel.js';
export type {
  AgentDataChannelOptions,
  AgentDataChannelEvents,
  AgentHandshakeOptions,
  AgentHandshakeResult,
  ChannelClosedOptions,
} from './agent-data-channel.js';
export { createWsSocket, connectWebSocket } from './ws-socket.js';
export type { ConnectWebSocketOptions } from './ws-socket.js';
export { attachMuxClient, attachMuxServer, PortMuxSession } from './port-mux.js';
export type { AttachMuxOptions } from './port-mux.js';
