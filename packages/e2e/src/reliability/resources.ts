// Leak checks: active handles/resources of this process and heap after a full GC.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Counts of `process.getActiveResourcesInfo()` by type (TCPWRAP, Timeout, …). */
export type ResourceCounts = Record<string, number>;

export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Resource types whose count is above the baseline's, with both counts. */
export function resourcesAbove(
  baseline: ResourceCounts,
  now: ResourceCounts = activeResources(),
): Record<string, { baseline: number; now: number }> {
  const above: Record<string, { baseline: number; now: number }> = {};
  for (const [type, count] of Object.entries(now)) {
    const before = baseline[type] ?? 0;
    if (count > before) above[type] = { baseline: before, now: count };
  }
  return above;
}

/**
 * Polls until no resource type is above the baseline, or `timeoutMs` passes; resolves with what
 * is still above (empty when back to baseline).
 */
export async function waitForResourceBaseline(
  baseline: ResourceCounts,
  timeoutMs = 10_000,
): Promise<Record<string, { baseline: number; now: number }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const above = resourcesAbove(baseline);
    if (Object.keys(above).length === 0 || Date.now() > deadline) return above;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let gcFunction: (() => void) | undefined;

/** `global.gc` without `--expose-gc` on the command line. */
export function forceGc(): void {
  if (gcFunction === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (typeof existing === 'function') {
      gcFunction = existing;
    } else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

/** Heap used (bytes) after full collections, settled over a few event-loop turns. */
export async function heapUsedAfterGc(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    forceGc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  forceGc();
  return process.memoryUsage().heapUsed;
}
