// Regression: a data channel that is refused before the handshake (the service closes every
// socket with 1008, e.g. a wrong token) must fail opening with ERR_TUNNEL_SESSION_OPEN, not with
// the reconnect error that a drop of an open session gives.
import { connectWebSocket, type DataChannelSocket } from '@ssmkit/protocol';
import { afterEach, expect, test } from 'vitest';
import { openPortTunnel } from '../src/index.js';
import { BASTION, startEchoServer, startTunnelWorld, type TunnelWorld } from './tunnel-helpers.js';

let world: TunnelWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

test('a refused token while opening: ERR_TUNNEL_SESSION_OPEN with the reconnect failure as cause', async () => {
  world = await startTunnelWorld();
  const echo = await startEchoServer();
  let attempts = 0;
  const factory = async (
    url: string,
    options: Parameters<typeof connectWebSocket>[1],
  ): Promise<DataChannelSocket> => {
    attempts++;
    const socket = await connectWebSocket(url, options);
    return {
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      get isOpen() {
        return socket.isOpen;
      },
      setHandlers: (handlers) => socket.setHandlers(handlers),
      close: (code, reason) => socket.close(code, reason),
      send: (data) =>
        socket.send(
          typeof data === 'string'
            ? JSON.stringify({ ...(JSON.parse(data) as object), TokenValue: 'wrong-token' })
            : data,
        ),
    };
  };
  try {
    const opening = openPortTunnel({
      context: world.context,
      target: BASTION,
      host: '127.0.0.1',
      port: echo.port,
      reconnect: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 },
      webSocketFactory: factory,
    });
    await expect(opening).rejects.toMatchObject({
      code: 'ERR_TUNNEL_SESSION_OPEN',
      cause: { code: 'ERR_TUNNEL_RECONNECT_FAILED' },
    });
    expect(attempts).toBeGreaterThan(1);
  } finally {
    await echo.close();
  }
});
