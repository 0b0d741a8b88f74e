// Logs never contain a token, a credential or a StreamUrl query string: `ssmkit:*` (traces
// included) captured during a tunnel's whole life, a reconnect included.
import { format } from 'node:util';
import createDebug from 'debug';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPortTunnel } from '../src/index.js';
import {
  BASTION,
  echoThrough,
  randomPayload,
  sha256,
  startEchoServer,
  startTunnelWorld,
  waitFor,
  type TunnelWorld,
} from './tunnel-helpers.js';

let world: TunnelWorld;
let echo: Awaited<ReturnType<typeof startEchoServer>>;

beforeAll(async () => {
  world = await startTunnelWorld();
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
  await world.close();
});

describe('debug output', () => {
  test('ssmkit:* logs name sessions but never tokens or StreamUrl queries', async () => {
    const tokens: string[] = [];
    const state = world.emulator.state;
    const issue = state.issueStreamToken.bind(state);
    state.issueStreamToken = (sessionId: string, token: string, resumed?: boolean) => {
      tokens.push(token);
      issue(sessionId, token, resumed);
    };
    const lines: string[] = [];
    const previousLog = createDebug.log;
    const previousNamespaces = createDebug.disable();
    createDebug.log = (...args: unknown[]) => {
      lines.push(format(...args));
    };
    createDebug.enable('ssmkit:*');
    let sessionId: string;
    try {
      await using tunnel = await openPortTunnel({
        context: world.context,
        target: BASTION,
        host: '127.0.0.1',
        port: echo.port,
        reason: 'debug test',
      });
      sessionId = tunnel.sessionId!;
      const payload = randomPayload(20_000);
      expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
      world.emulator.dataChannel.killSockets(sessionId);
      await waitFor(() => tunnel.stats().reconnects === 1);
      expect(sha256(await echoThrough(tunnel.localPort, payload.bytes))).toBe(payload.sha256);
    } finally {
      createDebug.log = previousLog;
      createDebug.disable();
      if (previousNamespaces !== '') createDebug.enable(previousNamespaces);
      state.issueStreamToken = issue;
    }
    const output = lines.join('\n');
    expect(tokens.length).toBeGreaterThanOrEqual(2); // StartSession + ResumeSession
    expect(output).toContain(sessionId);
    expect(output).toContain('ssmkit:core:session');
    expect(output).toContain('ssmkit:core:tunnel');
    for (const token of tokens) expect(output).not.toContain(token);
    expect(output).not.toMatch(/cell-number|role=publish_subscribe/);
    expect(output).not.toMatch(/X-Amz-Signature|Signature=|Credential=|X-Amz-Security-Token/i);
    expect(output).not.toContain('TokenValue');
  });
});
