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
      ...overrides,
    },
  });
}
