import { defineSsmkitConfig } from '../../vitest.shared.js';

export default defineSsmkitConfig({
  // On Node 20 the AWS SDK prints a ten-line NodeVersionSupportWarning once per test worker
  // (SDK releases after January 2027 need Node 22). The SDK's documented switch turns it off
  // for these tests only: https://github.com/aws/aws-sdk-js-v3/issues/7983
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
});
