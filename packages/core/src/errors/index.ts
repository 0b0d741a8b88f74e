export { AwsError, AwsErrorCode, type AwsErrorOptions } from './aws-error.js';
export { ConfigError, ConfigErrorCode, type ConfigErrorOptions } from './config-error.js';
export { TargetError, TargetErrorCode, type TargetErrorOptions } from './target-error.js';
export { EndpointError, EndpointErrorCode, type EndpointErrorOptions } from './endpoint-error.js';
