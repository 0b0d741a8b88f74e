import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('./package.json', 'utf8')) as { version: string };

const common = {
  format: ['esm' as const],
  sourcemap: true,
  target: 'node20',
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
};

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, dts: true, clean: false },
  {
    ...common,
    entry: { cli: 'src/cli.ts' },
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
