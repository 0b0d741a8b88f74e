// The harness itself: missing binaries fail loudly, and the world routes to the given servers.
import { describe, expect, it } from 'vitest';
import { parseWorld, resolveHostAlias } from '@ssmkit/emulator';
import {
  INSTALL_HINT,
  MissingBinaryError,
  REAL_SERVERS_IDS,
  findBinary,
  realServersWorld,
  type MariaDbServer,
  type PostgresServer,
  type SshServer,
} from '../../src/servers/index.js';

const ids = REAL_SERVERS_IDS;

describe('real-servers harness', () => {
  it('names the install script when a binary is missing', () => {
    const lookup = (): string =>
      findBinary('Frobnicator', ['/nonexistent/ssmkit-frobnicate', 'ssmkit-no-such-binary']);
    expect(lookup).toThrow(MissingBinaryError);
    expect(lookup).toThrow(
      'Frobnicator is not installed (looked for /nonexistent/ssmkit-frobnicate, ssmkit-no-such-binary)',
    );
    expect(lookup).toThrow(INSTALL_HINT);
    expect(INSTALL_HINT).toContain('bash scripts/install-system-deps.sh');
  });

  it('builds a valid world whose endpoints lead to the private servers only', () => {
    const postgres = { port: 15_432, user: 'pg-user', password: 'pg-secret' } as PostgresServer;
    const mariadb = {
      port: 13_306,
      user: 'my-user',
      password: 'my-secret',
      database: 'app',
    } as MariaDbServer;
    const sshd = { port: 10_022 } as SshServer;
    const world = parseWorld(realServersWorld({ postgres, mariadb, sshd }), 'test world');

    expect(resolveHostAlias(world, ids.pgEndpoint, ids.pgPort)).toEqual({
      host: '127.0.0.1',
      port: 15_432,
    });
    expect(resolveHostAlias(world, ids.mysqlEndpoint, ids.mysqlPort)).toEqual({
      host: '127.0.0.1',
      port: 13_306,
    });
    expect(resolveHostAlias(world, ids.bastionInstanceId, 22)).toEqual({
      host: '127.0.0.1',
      port: 10_022,
    });
    // Nothing is routed to a system server on the usual ports.
    expect(Object.values(world.hostAliases).sort()).toEqual(
      ['127.0.0.1:10022', '127.0.0.1:13306', '127.0.0.1:13306', '127.0.0.1:15432'].sort(),
    );
    const secret = (arn: string): unknown =>
      JSON.parse(world.secrets.find((entry) => entry.arn === arn)?.secretString ?? 'null');
    expect(secret(ids.pgSecretArn)).toEqual({ username: 'pg-user', password: 'pg-secret' });
    expect(secret(ids.mysqlSecretArn)).toEqual({ username: 'my-user', password: 'my-secret' });
    const cluster = world.rds.clusters.find(
      (entry) => entry.dbClusterIdentifier === ids.mysqlClusterIdentifier,
    );
    expect(cluster).toMatchObject({ engine: 'aurora-mysql', endpoint: ids.mysqlEndpoint });
  });
});
