// No open handles after close: a child process opens and closes every kind of tunnel and must
// then exit on its own (never forced), with the same active resources as when it started.
import { describe, expect, test } from 'vitest';
import { runScript, withoutSdkWarning } from './run-script.js';

describe('handles', () => {
  test('after close, the process has what it started with and exits by itself', async () => {
    const result = await runScript('test/fixtures/open-and-close.ts');
    expect(withoutSdkWarning(result.stderr)).toBe('');
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    const { before, after } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
      before: string[];
      after: string[];
    };
    const count = (list: string[]): Record<string, number> =>
      list.reduce<Record<string, number>>(
        (counts, name) => ({ ...counts, [name]: (counts[name] ?? 0) + 1 }),
        {},
      );
    expect(count(after)).toEqual(count(before));
  });
});
