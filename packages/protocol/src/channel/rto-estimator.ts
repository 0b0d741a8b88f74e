import { ReliabilityDefaults } from '../wire/constants.js';

/**
 * Round-trip-time and retransmission-timeout estimator of spec §5.5 (Jacobson/Karels, as both
 * official implementations compute it). All values are milliseconds.
 *
 * On every sample `r`, in this order: `RTTVAR = ¾·RTTVAR + ¼·|RTT − r|` (with the old RTT),
 * `RTT = ⅞·RTT + ⅛·r`, `RTO = min(RTT + max(10 ms, 4·RTTVAR), 1 s)`.
 */
export class RtoEstimator {
  /** Smoothed round-trip time (starts at 100 ms). */
  rttMs: number = ReliabilityDefaults.initialRttMs;
  /** Round-trip time variance (starts at 0). */
  rttVarianceMs: number = ReliabilityDefaults.initialRttVarianceMs;
  /** Current retransmission timeout (starts at 200 ms). */
  rtoMs: number = ReliabilityDefaults.initialRtoMs;

  /** Feeds one round-trip sample `sampleMs` (time from the last transmission to its ack). */
  addSample(sampleMs: number): void {
    const {
      rttGain,
      rttVarianceGain,
      clockGranularityMs: granularity,
      maxRtoMs,
    } = ReliabilityDefaults;
    this.rttVarianceMs =
      (1 - rttVarianceGain) * this.rttVarianceMs +
      rttVarianceGain * Math.abs(this.rttMs - sampleMs);
    this.rttMs = (1 - rttGain) * this.rttMs + rttGain * sampleMs;
    this.rtoMs = Math.min(this.rttMs + Math.max(granularity, 4 * this.rttVarianceMs), maxRtoMs);
  }
}
