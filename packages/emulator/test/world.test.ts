import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDefaultWorld,
  DEFAULT_WORLD_IDS,
  EmulatorError,
  loadWorldFile,
  parseWorld,
  resolveHostAlias,
  startEmulator,
} from '../src/index.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ssmkit-emulator-world-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

async function writeWorld(name: string, content: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

async function loadError(path: string): Promise<EmulatorError> {
  try {
    await loadWorldFile(path);
  } catch (error) {
    return error as EmulatorError;
  }
  throw new Error('expected the world to be rejected');
}

describe('world loader', () => {
  it('points at the bad path', async () => {
    const path = await writeWorld(
      'world.json',
      JSON.stringify({
        instances: [
          { instanceId: 'i-0123456789abcdef0' },
          { instanceId: 'i-0123456789abcdef1' },
          { instanceId: 'i-0123456789abcdef2', tags: 'Name=x' },
        ],
      }),
    );
    const error = await loadError(path);
    expect(error).toBeInstanceOf(EmulatorError);
    expect(error.code).toBe('ERR_EMULATOR_WORLD');
    expect(error.message).toBe('world.json: instances[2].tags: expected object');
  });

  it('reports several problems, nested paths and pattern messages', async () => {
    const path = await writeWorld(
      'bad.json',
      JSON.stringify({
        credentials: [
          {
            accessKeyId: 'a',
            secretAccessKey: 'b',
            accountId: '12',
            arn: 'arn:aws:iam::12:user/x',
          },
        ],
        instances: [{ instanceId: 'host-1' }],
        ecs: {
          clusters: [{ clusterName: 'c', services: [{ serviceName: 's', taskDefinition: 42 }] }],
        },
        hostAliases: { 'db.example.com': 'nowhere' },
      }),
    );
    const { message } = await loadError(path);
    expect(message.split('\n')).toEqual([
      'bad.json: credentials[0].accountId: expected a 12-digit account id',
      'bad.json: instances[0].instanceId: expected i-<hex> or mi-<hex>',
      'bad.json: ecs.clusters[0].services[0].taskDefinition: expected string',
      'bad.json: hostAliases["db.example.com"]: expected host:port',
    ]);
  });

  it('checks references between sections', () => {
    expect(() =>
      parseWorld(
        {
          ecs: {
            clusters: [
              { clusterName: 'c', services: [{ serviceName: 's', taskDefinition: 'missing:1' }] },
            ],
          },
        },
        'w.json',
      ),
    ).toThrow(
      'w.json: ecs.clusters[0].services[0].taskDefinition: no task definition "missing:1" in ecs.taskDefinitions',
    );
  });

  it('rejects invalid JSON and missing files with a hint', async () => {
    const path = await writeWorld('broken.json', '{ nope');
    expect((await loadError(path)).message).toMatch(/^broken\.json: not valid JSON/);
    expect((await loadError(join(directory, 'missing.json'))).message).toMatch(
      /Cannot read world file .*--world/,
    );
  });

  it('applies defaults; an empty world is valid', () => {
    const world = parseWorld({});
    expect(world.sessionPreferences).toEqual({ idleTimeoutMinutes: 20, tokenTtlSeconds: 60 });
    expect(world.faults).toEqual({
      drop: 0,
      duplicate: 0,
      reorder: 0,
      delayMs: 0,
      delayJitterMs: 0,
      killSocketEveryMs: 0,
    });
    expect(world.ecs.taskStartup.runningAfterMs).toBe(2_000);
  });

  it('starts from a world file path', async () => {
    const path = await writeWorld(
      'small.json',
      JSON.stringify({ instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaaa' }] }),
    );
    const emulator = await startEmulator({ port: 0, world: path });
    expect(emulator.world.instances.map((instance) => instance.instanceId)).toEqual([
      'i-0aaaaaaaaaaaaaaaa',
    ]);
    await emulator.close();
  });
});

describe('default world', () => {
  it('has the documented ids', () => {
    const world = createDefaultWorld();
    expect(world.credentials[0]).toMatchObject({
      accessKeyId: 'test',
      secretAccessKey: 'test',
      accountId: '000000000000',
    });
    expect(world.instances[0]).toMatchObject({
      instanceId: 'i-0123456789abcdef0',
      tags: { Name: 'bastion' },
      ssmOnline: true,
      agentVersion: '3.3.1142.0',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
    });
    expect(world.parameters[0]).toMatchObject({
      name: '/demo/bastion/instance-id',
      value: 'i-0123456789abcdef0',
    });
    expect(world.sessionPreferences.idleTimeoutMinutes).toBe(20);
  });

  it('resolves host aliases; others are dialed as given', () => {
    const world = createDefaultWorld();
    expect(resolveHostAlias(world, DEFAULT_WORLD_IDS.dbEndpoint, 5432)).toEqual({
      host: '127.0.0.1',
      port: 5432,
    });
    expect(resolveHostAlias(world, 'example.com', 443)).toEqual({ host: 'example.com', port: 443 });
    expect(
      resolveHostAlias({ hostAliases: { 'a:1': '[::1]:2', a: '127.0.0.1:3' } }, 'a', 1),
    ).toEqual({ host: '::1', port: 2 });
  });
});
