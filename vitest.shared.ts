// Shared vitest settings for every package: resolve workspace packages to their sources and
// write a JSON report that scripts/test-summary.mjs adds up after `pnpm test`.
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function defineSsmkitConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['@ssmkit/source'] },
    ssr: { resolve: { conditions: ['@ssmkit/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 30_000,
      reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
      // The AWS SDK's own switch for its "Node >= 22 after January 2027" notice, which otherwise
      // prints ten lines per worker and per spawned process on Node 20 (the project's floor).
      ...overrides,
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...overrides.env },
    },
  });
}
