import { describe, expect, test, vi } from 'vitest';
import type { Clock } from '../clock.js';
import type { AwsCredentials } from './credentials.js';
import { memoizeCredentials } from './memoize-credentials.js';

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: () => ({}),
    clearTimeout: () => undefined,
    advance(ms) {
      now += ms;
    },
  };
}

function credentialsExpiringAt(expiration: number, id = 'AKIA'): AwsCredentials {
  return { accessKeyId: id, secretAccessKey: 'secret', expiration: new Date(expiration) };
}

describe('memoizeCredentials', () => {
  test('long-term credentials are fetched once', async () => {
    const provider = vi.fn(async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }));
    const memoized = memoizeCredentials(provider);
    await memoized();
    await memoized();
    expect(provider).toHaveBeenCalledTimes(1);
  });

  test('concurrent callers share one request', async () => {
    let resolve!: (value: AwsCredentials) => void;
    const provider = vi.fn(() => new Promise<AwsCredentials>((done) => (resolve = done)));
    const memoized = memoizeCredentials(provider);
    const all = Promise.all([memoized(), memoized(), memoized()]);
    resolve({ accessKeyId: 'a', secretAccessKey: 'b' });
    const results = await all;
    expect(provider).toHaveBeenCalledTimes(1);
    expect(new Set(results).size).toBe(1);
  });

  test('refreshes refreshBeforeExpiryMs before expiry, not earlier', async () => {
    const clock = fakeClock();
    let generation = 0;
    const provider = vi.fn(async () =>
      credentialsExpiringAt(clock.now() + 3_600_000, `key${++generation}`),
    );
    const memoized = memoizeCredentials(provider, { clock, refreshBeforeExpiryMs: 300_000 });
    expect((await memoized()).accessKeyId).toBe('key1');
    clock.advance(3_600_000 - 300_001);
    expect((await memoized()).accessKeyId).toBe('key1');
    clock.advance(2);
    expect((await memoized()).accessKeyId).toBe('key2');
    expect(provider).toHaveBeenCalledTimes(2);
  });

  test('a failed refresh keeps still-valid credentials, then surfaces the error once they expire', async () => {
    const clock = fakeClock();
    const provider = vi
      .fn<() => Promise<AwsCredentials>>()
      .mockResolvedValueOnce(credentialsExpiringAt(clock.now() + 600_000))
      .mockRejectedValue(new Error('sts down'));
    const memoized = memoizeCredentials(provider, { clock });
    const first = await memoized();
    clock.advance(400_000); // inside the 5-minute refresh window
    await expect(memoized()).resolves.toBe(first);
    clock.advance(300_000); // expired
    await expect(memoized()).rejects.toThrow('sts down');
  });
});
