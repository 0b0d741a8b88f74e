import { systemClock, type Clock } from '../clock.js';
import { awsLog } from '../internal/logger.js';
import type { AwsCredentialProvider, AwsCredentials } from './credentials.js';

/** Options of {@link memoizeCredentials}. */
export interface MemoizeCredentialsOptions {
  /** Time source. Default: the system clock. */
  clock?: Clock;
  /** Refresh this many milliseconds before `expiration`. Default `300_000` (5 minutes, like the SDK). */
  refreshBeforeExpiryMs?: number;
}

/**
 * Wrap `provider` so that concurrent callers share one in-flight request, results are cached, and
 * credentials with an `expiration` are refreshed `refreshBeforeExpiryMs` before they expire — so a
 * tunnel open for hours keeps working across assumed-role sessions. When a refresh fails while
 * the cached credentials are still valid, the cached ones are returned and the refresh is retried
 * on the next call.
 *
 * @example
 * ```ts
 * const credentials = memoizeCredentials(fromTemporaryCredentials({ params: { RoleArn } }));
 * ```
 */
export function memoizeCredentials(
  provider: AwsCredentialProvider,
  options: MemoizeCredentialsOptions = {},
): AwsCredentialProvider {
  const clock = options.clock ?? systemClock;
  const refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 300_000;
  let cached: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;

  const isFresh = (credentials: AwsCredentials): boolean =>
    credentials.expiration === undefined ||
    credentials.expiration.getTime() - clock.now() > refreshBeforeExpiryMs;
  const isValid = (credentials: AwsCredentials): boolean =>
    credentials.expiration === undefined || credentials.expiration.getTime() > clock.now();

  return async () => {
    if (cached !== undefined && isFresh(cached)) return cached;
    pending ??= (async () => {
      try {
        const fresh = await provider();
        cached = fresh;
        awsLog(
          'credentials resolved, expiration=%s',
          fresh.expiration ? fresh.expiration.toISOString() : 'none',
        );
        return fresh;
      } catch (error) {
        if (cached !== undefined && isValid(cached)) {
          awsLog.error('credential refresh failed, using cached credentials until they expire');
          return cached;
        }
        throw error;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
