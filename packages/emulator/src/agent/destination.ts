import { resolveHostAlias } from '../world/host-aliases.js';
import type { World } from '../world/schema.js';

/** Where the emulated agent really dials for a session. */
export interface Destination {
  host: string;
  port: number;
  /** What the session asked for, for logs and errors (`db.internal:5432`). */
  requested: string;
}

/**
 * The real address behind a port session's properties. `host` present (RemoteHost document):
 * that host through the world's host aliases. Absent (a port on the target itself): an alias
 * keyed by the target id (`i-0123…:22` or `i-0123…`) wins, then `localhost`, else 127.0.0.1 —
 * the emulated instance *is* this machine.
 */
export function resolveDestination(
  world: Pick<World, 'hostAliases'>,
  target: string,
  properties: Record<string, unknown>,
): Destination {
  const port = Number(properties.portNumber ?? 80);
  const host = typeof properties.host === 'string' ? properties.host : undefined;
  if (host !== undefined) {
    return { ...resolveHostAlias(world, host, port), requested: `${host}:${port}` };
  }
  const byTarget = resolveHostAlias(world, target, port);
  if (byTarget.host !== target) return { ...byTarget, requested: `${target}:${port}` };
  const local = resolveHostAlias(world, 'localhost', port);
  return {
    host: local.host === 'localhost' ? '127.0.0.1' : local.host,
    port: local.port,
    requested: `localhost:${port}`,
  };
}
