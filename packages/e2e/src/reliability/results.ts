// Figures from the reliability suites, merged into packages/e2e/.test-results/reliability.json
// so that they can be cited (durations are reported, never asserted).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../.test-results/reliability.json',
);

/** Stores `figures` under `name` (replacing an earlier entry) and prints `summary` on one line. */
export function recordResult(
  name: string,
  summary: string,
  figures: Record<string, unknown>,
): void {
  console.log(summary);
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // first entry
  }
  all[name] = { summary, ...figures, node: process.version, at: new Date().toISOString() };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}
