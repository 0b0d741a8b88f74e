import { defineConfig } from 'vitest/config';

export default defineConfig({
  // In this repository only: load the workspace packages from their TypeScript sources.
  resolve: { conditions: ['@ssmkit/source'] },
  ssr: { resolve: { conditions: ['@ssmkit/source'] } },
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
    globalSetup: ['./global-setup.ts'],
  },
});
