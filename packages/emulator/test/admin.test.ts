import {
  SSMClient,
  StartSessionCommand,
  DescribeInstanceInformationCommand,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.js';
import { DEFAULT_WORLD_IDS } from '../src/index.js';
import { clientConfig, rejection, start } from './helpers.js';

let emulator: Emulator;
let ssm: SSMClient;

beforeAll(async () => {
  emulator = await start({ faults: { drop: 0.1 } });
  ssm = new SSMClient(clientConfig(emulator));
});
afterAll(async () => {
  ssm.destroy();
  await emulator.close();
});

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${emulator.endpoint}/_emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('admin API', () => {
  it('GET state lists sessions, tasks and instances without tokens', async () => {
    const started = await ssm.send(
      new StartSessionCommand({ Target: DEFAULT_WORLD_IDS.bastionInstanceId }),
    );
    const { status, json } = await admin('GET', 'state');
    expect(status).toBe(200);
    expect(JSON.stringify(json)).not.toContain(started.TokenValue!);
    expect(json.sessions).toContainEqual(
      expect.objectContaining({ sessionId: started.SessionId, status: 'Connecting' }),
    );
    expect(json.instances).toContainEqual(
      expect.objectContaining({ instanceId: DEFAULT_WORLD_IDS.bastionInstanceId, online: true }),
    );
    expect(json.faults).toMatchObject({ drop: 0.1 });
  });

  it('takes a target offline and online again', async () => {
    const target = DEFAULT_WORLD_IDS.bastionInstanceId;
    const events: Array<[string, boolean]> = [];
    emulator.state.on('target-status', (id, online) => events.push([id, online]));
    expect((await admin('POST', `targets/${target}/offline`)).json).toEqual({
      target,
      online: false,
    });
    expect((await rejection(ssm.send(new StartSessionCommand({ Target: target })))).name).toBe(
      'TargetNotConnected',
    );
    const info = await ssm.send(new DescribeInstanceInformationCommand({}));
    expect(info.InstanceInformationList![0]!.PingStatus).toBe('ConnectionLost');
    expect((await admin('POST', `targets/${target}`, { online: true })).json).toEqual({
      target,
      online: true,
    });
    await expect(ssm.send(new StartSessionCommand({ Target: target }))).resolves.toBeTruthy();
    expect(events).toEqual([
      [target, false],
      [target, true],
    ]);
  });

  it('changes faults and preferences with validation', async () => {
    expect((await admin('POST', 'faults', { duplicate: 0.5, delayMs: 20 })).json).toMatchObject({
      drop: 0.1,
      duplicate: 0.5,
      delayMs: 20,
    });
    expect(emulator.state.faults.duplicate).toBe(0.5);
    expect((await admin('POST', 'faults', { drop: 2 })).status).toBe(400);
    expect((await admin('POST', 'faults', { bogus: 1 })).status).toBe(400);
    expect((await admin('POST', 'preferences', { idleTimeoutMinutes: 1 })).json).toMatchObject({
      idleTimeoutMinutes: 1,
    });
    expect(emulator.state.preferences.idleTimeoutMinutes).toBe(1);
    expect((await admin('PUT', 'preferences', { idleTimeoutMinutes: 0 })).status).toBe(400);
  });

  it('404s unknown sessions and routes', async () => {
    expect((await admin('POST', 'sessions/test-00000000000000000/terminate')).status).toBe(404);
    expect((await admin('GET', 'nope')).status).toBe(404);
    expect((await admin('GET', 'health')).json).toEqual({ ok: true });
  });
});
