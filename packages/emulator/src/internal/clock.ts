/** Wall clock used for every expiry and ECS lifecycle decision; injectable for tests. */
export interface EmulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: EmulatorClock = { now: () => Date.now() };
