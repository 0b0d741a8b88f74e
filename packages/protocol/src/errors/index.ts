export { SsmError, type SsmErrorOptions } from './ssm-error.js';
export { ProtocolError, ProtocolErrorCode, type TeardownReason } from './protocol-error.js';
