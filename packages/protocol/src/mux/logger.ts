import createDebug from 'debug';

/** `ssm:protocol:mux`: session and stream life cycle. */
export const log = createDebug('ssm:protocol:mux');
/** `ssm:protocol:mux:error`: protocol errors that close a session. */
export const logError = createDebug('ssm:protocol:mux:error');
/**
 * `ssm:protocol:mux:trace`: one line per frame (via `describeMuxFrame`). Check `.enabled`
 * before building arguments: this is the hot path.
 */
export const logTrace = createDebug('ssm:protocol:mux:trace');
