import { main } from './main.js';

// The CLI owns the terminal: the SDK's Node-version notice would break `--json` consumers.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ssm-tunnel: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
