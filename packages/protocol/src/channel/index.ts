/** The reliable channel state machine (spec §5). */
export { ReliableChannel } from './reliable-channel.js';
export type {
  ChannelRole,
  RetransmissionPolicy,
  ReliableChannelOptions,
  ReliableChannelStats,
  ReliableChannelEvents,
} from './reliable-channel.js';
export { RtoEstimator } from './rto-estimator.js';
