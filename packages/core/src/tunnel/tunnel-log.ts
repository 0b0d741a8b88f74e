import { createLogger } from '../internal/logger.js';

/** Logger of listeners and local connections: `ssm:core:tunnel`. @internal */
export const tunnelLog = createLogger('ssm:core:tunnel');
