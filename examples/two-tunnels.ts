/**
 * Two tunnels at once in one process — e.g. the primary database and the analytics cluster —
 * sharing one set of credentials and SDK clients, closed together.
 *
 *   PRIMARY_HOST=orders.xxx.rds.amazonaws.com ANALYTICS_HOST=analytics.cluster-xxx.rds.amazonaws.com \
 *     node --import tsx examples/two-tunnels.ts
 *   SSMKIT_EXAMPLE_EMULATOR=1 node --conditions=@ssmkit/source --import tsx examples/two-tunnels.ts
 */
import net from 'node:net';
// In your project: import { openTunnels } from '@ssmkit/node-api';
import { openTunnels } from '../packages/node-api/src/index.js';
import { DEMO, startExampleEnvironment } from './support/example-environment.js';
import { LineDatabaseClient } from './support/line-db.js';

const environment = await startExampleEnvironment();
try {
  await using group = await openTunnels([
    {
      name: 'primary',
      host: process.env.PRIMARY_HOST ?? DEMO.dbHost,
      port: 5432,
      reason: 'two-tunnels example',
    },
    {
      name: 'analytics',
      host: process.env.ANALYTICS_HOST ?? DEMO.clusterHost,
      port: 5432,
      reason: 'two-tunnels example',
    },
  ]);
  const [primary, analytics] = group.tunnels;
  for (const [name, tunnel] of [
    ['primary', primary],
    ['analytics', analytics],
  ] as const) {
    if (environment.mode === 'emulator') {
      // The stand-in says who it is: proof that each tunnel reaches its own destination.
      const client = await LineDatabaseClient.connect({
        host: tunnel.localAddress,
        port: tunnel.localPort,
      });
      const answer = await client.request('NAME');
      await client.close();
      console.log(
        `${name}: ${tunnel.url('postgres')} → ${answer.replace(/^OK /, '')} (session ${tunnel.sessionId})`,
      );
    } else {
      // Against AWS: a TCP connect through the tunnel reaches the database.
      const socket = net.connect({ host: tunnel.localAddress, port: tunnel.localPort });
      await new Promise<void>((resolve, reject) =>
        socket.once('connect', resolve).once('error', reject),
      );
      socket.destroy();
      console.log(`${name}: ${tunnel.url('postgres')} reachable (session ${tunnel.sessionId})`);
    }
  }
  console.log(
    `two tunnels open at once via ${primary.target.target} and ${analytics.target.target}`,
  );
} finally {
  await environment.close();
}
