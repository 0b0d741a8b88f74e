/** jest `globalTeardown`: close the tunnel opened by global-setup.ts (runs even when tests fail). */
import type { TunnelGlobals } from './global-setup.js';

export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as TunnelGlobals;
  await globals.__SSMKIT_TUNNEL__?.close();
  delete globals.__SSMKIT_TUNNEL__;
  delete process.env.DATABASE_URL;
  await globals.__SSMKIT_EXAMPLE_ENVIRONMENT__?.close();
  delete globals.__SSMKIT_EXAMPLE_ENVIRONMENT__;
}
