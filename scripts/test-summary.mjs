#!/usr/bin/env node
// Adds up the vitest JSON reports of every package and prints one closing line
// ("tests: N passed, N failed, N skipped") so CI logs end with the totals.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const name of readdirSync('packages').sort()) {
  const file = join('packages', name, '.test-results', 'vitest.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const p = report.numPassedTests ?? 0;
  const f = report.numFailedTests ?? 0;
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  passed += p;
  failed += f;
  skipped += s;
  rows.push(`  ${name.padEnd(12)} ${String(p).padStart(5)} passed ${String(f).padStart(3)} failed`);
}
console.log('\nTest totals by package:');
for (const row of rows) console.log(row);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
