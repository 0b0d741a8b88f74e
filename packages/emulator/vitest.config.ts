import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@ssmkit/source'] },
  ssr: { resolve: { conditions: ['@ssmkit/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
