// Builds what the end-to-end tests spawn: the CLI's dist (and the workspace packages it imports
// at run time) when missing or older than their sources. CI builds them first (turbo), so this
// is then a no-op.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIfStale(name: string, output: string): void {
  const directory = join(packagesDir, name);
  const built = join(directory, 'dist', output);
  const sources = Math.max(
    newestMtime(join(directory, 'src')),
    statSync(join(directory, 'tsup.config.ts')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  execFileSync('pnpm', ['exec', 'tsup'], { cwd: directory, stdio: 'ignore' });
}

export default function setup(): void {
  buildIfStale('protocol', 'index.js');
  buildIfStale('core', 'index.js');
  buildIfStale('emulator', 'index.js');
  buildIfStale('cli', 'cli.js');
}
