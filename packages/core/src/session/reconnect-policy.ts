/**
 * How a dropped data-channel WebSocket is reconnected (spec §10.4). The defaults are the
 * official plugin's `RepeatableExponentialRetryer`: the first delay is uniformly random in
 * `[baseDelayMs, 2 × baseDelayMs)`, each next one doubles, and when a delay would exceed
 * `maxDelayMs` the exponent starts over.
 */
export interface ReconnectPolicy {
  /** Attempts after the first one fails (ResumeSession + WebSocket each). @default 5 */
  retries?: number;
  /** Lower bound of the first delay, ms. @default 100 */
  baseDelayMs?: number;
  /** Largest delay, ms. @default 5_000 */
  maxDelayMs?: number;
}

/** The defaults of {@link ReconnectPolicy} (spec §10.4). */
export const defaultReconnectPolicy: Readonly<Required<ReconnectPolicy>> = Object.freeze({
  retries: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
});

/**
 * The delays before retry 1…`retries`, in ms.
 *
 * @example
 * ```ts
 * backoffDelays({ retries: 5 }, () => 0); // [100, 200, 400, 800, 1600]
 * ```
 */
export function backoffDelays(
  policy: ReconnectPolicy = {},
  random: () => number = Math.random,
): number[] {
  const { retries, baseDelayMs, maxDelayMs } = { ...defaultReconnectPolicy, ...policy };
  const initial = baseDelayMs * (1 + random());
  const delays: number[] = [];
  let exponent = 0;
  for (let index = 0; index < retries; index++) {
    let delay = initial * 2 ** exponent;
    if (delay > maxDelayMs) {
      exponent = 0;
      delay = Math.min(initial, maxDelayMs);
    }
    delays.push(Math.round(delay));
    exponent++;
  }
  return delays;
}
