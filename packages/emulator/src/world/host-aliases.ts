import type { World } from './schema.js';

/**
 * Where the emulated agent really dials `host:port`: an alias keyed `host:port` wins over one
 * keyed `host`; without an alias the host is dialed as given.
 */
export function resolveHostAlias(
  world: Pick<World, 'hostAliases'>,
  host: string,
  port: number,
): { host: string; port: number } {
  const alias = world.hostAliases[`${host}:${port}`] ?? world.hostAliases[host];
  if (alias === undefined) return { host, port };
  const colon = alias.lastIndexOf(':');
  return {
    host: alias.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(alias.slice(colon + 1)),
  };
}
