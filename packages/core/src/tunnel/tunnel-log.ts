import { createLogger } from '../internal/logger.js';

/** Logger of listeners and local connections: `ssmkit:core:tunnel`. @internal */
export const tunnelLog = createLogger('ssmkit:core:tunnel');
