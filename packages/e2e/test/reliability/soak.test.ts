// Fault soaks: many concurrent TCP connections through one tunnel while the emulator drops,
// duplicates, reorders and jitters data-channel frames and kills the WebSocket every 3 s. Every
// byte is checked by length and SHA-256 in both directions; afterwards the process must be back
// to its handle baseline and its heap within a stated bound. Durations are reported, not asserted.
import type { RetransmissionPolicy } from '@ssmkit/protocol';
import {
  defaultWorldInput,
  startEmulator,
  type AgentDataChannelService,
  type FaultStats,
  type WorldInput,
} from '@ssmkit/emulator';
import { openTunnel, type TunnelEvent } from '@ssmkit/node-api';
import { afterEach, describe, expect, test } from 'vitest';
import { runPatternClient } from '../../src/reliability/pattern-client.js';
import { startPatternServer, type PatternServer } from '../../src/reliability/pattern-server.js';
import {
  activeResources,
  heapUsedAfterGc,
  waitForResourceBaseline,
} from '../../src/reliability/resources.js';
import { recordResult } from '../../src/reliability/results.js';

const MiB = 1024 * 1024;
const BASTION = 'i-0123456789abcdef0';
const DB_HOST = 'soak-db.internal.example';
const DB_PORT = 5432;
/** Heap growth allowed across one soak (after GC, tunnel closed): far below the bytes moved. */
const HEAP_GROWTH_BOUND = 64 * MiB;
/** How long handles may take to return to the baseline after close(). */
const RESOURCE_SETTLE_MS = 10_000;

interface SoakCase {
  name: string;
  streams: number;
  bytesEachWay: number;
  faults: { drop: number; duplicate: number; reorder: number; delayJitterMs: number };
  agentRetransmission: RetransmissionPolicy;
}

const FAULTS_COMMON = { duplicate: 0.01, reorder: 0.01, delayJitterMs: 50 };
const KILL_SOCKET_EVERY_MS = 3_000;

const cases: SoakCase[] = [
  {
    name: 'fast',
    streams: 64,
    bytesEachWay: 4 * MiB,
    faults: { drop: 0.02, ...FAULTS_COMMON },
    agentRetransmission: 'fast',
  },
  {
    name: 'faithful',
    streams: 8,
    bytesEachWay: 1 * MiB,
    faults: { drop: 0.01, ...FAULTS_COMMON },
    agentRetransmission: 'faithful',
  },
];

let server: PatternServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function soakWorld(port: number): WorldInput {
  const world = structuredClone(defaultWorldInput);
  world.hostAliases = { ...world.hostAliases, [DB_HOST]: `127.0.0.1:${port}` };
  return world;
}

describe('fault soak through the emulator', () => {
  test.each(cases)(
    '$name: $streams streams × $bytesEachWay bytes each way, every hash matches, no leaks',
    async (soak) => {
      const baseline = activeResources();
      const heapBefore = await heapUsedAfterGc();
      server = await startPatternServer();
      const emulator = await startEmulator({
        port: 0,
        world: soakWorld(server.port),
        agentRetransmission: soak.agentRetransmission,
        faults: { ...soak.faults, killSocketEveryMs: KILL_SOCKET_EVERY_MS },
      });
      const events: TunnelEvent[] = [];
      let agentRetransmissions = 0;
      let faultStats: FaultStats = { dropped: 0, duplicated: 0, reordered: 0, delayed: 0 };
      let summary: string | undefined;
      let figures: Record<string, unknown> | undefined;
      const started = performance.now();
      try {
        const tunnel = await openTunnel({
          host: DB_HOST,
          port: DB_PORT,
          target: BASTION,
          region: 'us-east-1',
          endpoint: emulator.endpoint,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          // Sockets die every 3 s under 2% loss: allow a generous number of resume attempts.
          reconnect: { retries: 20, baseDelayMs: 100, maxDelayMs: 2_000 },
          onEvent: (event) => events.push(event),
        });
        try {
          const results = await Promise.all(
            Array.from({ length: soak.streams }, (_, index) =>
              runPatternClient({
                port: tunnel.localPort,
                seed: 0x1000 + index,
                upLength: soak.bytesEachWay,
                downLength: soak.bytesEachWay,
              }),
            ),
          );
          const elapsedSeconds = (performance.now() - started) / 1000;
          for (const agent of (emulator.dataChannel as AgentDataChannelService).sessions()) {
            agentRetransmissions += agent.retransmissions;
            faultStats = agent.faults;
          }
          const stats = tunnel.stats();
          const sessionsStarted = events.filter((event) => event.type === 'session-started').length;
          const reconnected = events.filter((event) => event.type === 'reconnected').length;
          summary =
            `soak ${soak.name}: ${soak.streams}×${soak.bytesEachWay / MiB} MiB each way in ${elapsedSeconds.toFixed(1)} s ` +
            `(${((2 * soak.streams * soak.bytesEachWay) / MiB / elapsedSeconds).toFixed(1)} MiB/s both ways), ` +
            `${reconnected} reconnects, agent ${soak.agentRetransmission} retransmissions ${agentRetransmissions}, ` +
            `faults dropped ${faultStats.dropped} duplicated ${faultStats.duplicated} reordered ${faultStats.reordered}`;
          figures = {
            streams: soak.streams,
            bytesEachWay: soak.bytesEachWay,
            faults: { ...soak.faults, killSocketEveryMs: KILL_SOCKET_EVERY_MS },
            agentRetransmission: soak.agentRetransmission,
            clientRetransmission: 'fast',
            seconds: Number(elapsedSeconds.toFixed(2)),
            reconnects: reconnected,
            sessionsStarted,
            agentRetransmissions,
            faultStats,
            tunnelStats: stats,
          };
          for (const result of results) {
            expect(result.error, `stream ${result.seed}`).toBeUndefined();
            expect(result.up.actual, `stream ${result.seed} client→server`).toEqual(
              result.up.expected,
            );
            expect(result.down.actual, `stream ${result.seed} server→client`).toEqual(
              result.down.expected,
            );
          }
          // One session for the whole soak: every drop was resumed, none was visible.
          expect(sessionsStarted).toBe(1);
          expect(reconnected).toBeGreaterThan(0);
          expect(faultStats.dropped).toBeGreaterThan(0);
          expect(server.failed).toBe(0);
        } finally {
          await tunnel.close();
        }
      } finally {
        await emulator.close();
        await server.close();
        server = undefined;
      }
      const leftover = await waitForResourceBaseline(baseline, RESOURCE_SETTLE_MS);
      const heapAfter = await heapUsedAfterGc();
      const growth = heapAfter - heapBefore;
      recordResult(
        `soak-${soak.name}`,
        `${summary ?? `soak ${soak.name}`}; heap ${(heapBefore / MiB).toFixed(1)} → ${(heapAfter / MiB).toFixed(1)} MiB after GC (bound +${HEAP_GROWTH_BOUND / MiB} MiB), ` +
          `handles ${Object.keys(leftover).length === 0 ? 'back to baseline' : `above baseline: ${JSON.stringify(leftover)}`}`,
        { ...figures, heapBefore, heapAfter, heapGrowthBound: HEAP_GROWTH_BOUND, leftover },
      );
      expect(leftover, 'handles above the baseline after close()').toEqual({});
      expect(growth).toBeLessThan(HEAP_GROWTH_BOUND);
    },
    600_000,
  );
});
