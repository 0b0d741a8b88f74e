import createDebug from 'debug';

/** `ssmkit:protocol:mux`: session and stream life cycle. */
export const log = createDebug('ssmkit:protocol:mux');
/** `ssmkit:protocol:mux:error`: protocol errors that close a session. */
export const logError = createDebug('ssmkit:protocol:mux:error');
/**
 * `ssmkit:protocol:mux:trace`: one line per frame (via `describeMuxFrame`). Check `.enabled`
 * before building arguments: this is the hot path.
 */
export const logTrace = createDebug('ssmkit:protocol:mux:trace');
