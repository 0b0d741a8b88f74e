// The session helpers against the emulator's SSM API, the reconnect backoff, and the SigV4
// upgrade headers.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AwsError,
  SessionDocument,
  backoffDelays,
  defaultReconnectPolicy,
  resumeSession,
  startSession,
  terminateSession,
} from '../src/index.js';
import { signStreamUrl } from '../src/session/sign-stream-url.js';
import { redactStreamUrl } from '../src/session/session-log.js';
import { rejectionOf } from './helpers.js';
import { BASTION, startTunnelWorld, type TunnelWorld } from './tunnel-helpers.js';

let world: TunnelWorld;

beforeAll(async () => {
  world = await startTunnelWorld();
});
afterAll(async () => {
  await world.close();
});

describe('startSession / resumeSession / terminateSession', () => {
  test('start, resume (fresh token, StreamUrl) and terminate a session', async () => {
    const started = await startSession(world.context, {
      target: BASTION,
      documentName: SessionDocument.PORT_FORWARDING_TO_REMOTE_HOST,
      parameters: { host: ['db.internal'], portNumber: ['5432'] },
      reason: 'audit text',
    });
    expect(started.sessionId).toMatch(/^test-/);
    expect(started.tokenValue).not.toBe('');
    expect(started.streamUrl).toContain(`/v1/data-channel/${started.sessionId}`);
    const record = world.emulator.state.sessions.get(started.sessionId)!;
    expect(record).toMatchObject({
      target: BASTION,
      documentName: 'AWS-StartPortForwardingSessionToRemoteHost',
      reason: 'audit text',
    });
    expect(record.parameters).toMatchObject({ host: ['db.internal'], portNumber: ['5432'] });

    const resumed = await resumeSession(world.context, started.sessionId);
    expect(resumed?.tokenValue).not.toBe('');
    expect(resumed?.tokenValue).not.toBe(started.tokenValue);
    expect(resumed?.streamUrl).toContain(started.sessionId);

    expect(await terminateSession(world.context, started.sessionId)).toBe(true);
    expect(record.status).toBe('Terminated');
    // A terminated session cannot be resumed: undefined, not an error.
    expect(await resumeSession(world.context, started.sessionId)).toBeUndefined();
    // TerminateSession is idempotent.
    expect(await terminateSession(world.context, started.sessionId)).toBe(true);
  });

  test('StartSession errors are AwsErrors with the IAM action', async () => {
    world.emulator.state.setTargetOnline(BASTION, false);
    try {
      const error = await rejectionOf(
        startSession(world.context, { target: BASTION, documentName: SessionDocument.SSH }),
      );
      expect(AwsError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'ERR_AWS_TARGET_NOT_CONNECTED',
        operation: 'ssm:StartSession',
      });
    } finally {
      world.emulator.state.setTargetOnline(BASTION, true);
    }
  });
});

describe('backoffDelays (spec §10.4)', () => {
  test('defaults: 5 retries from [100, 200) ms doubling, capped at 5 s with the exponent reset', () => {
    expect(defaultReconnectPolicy).toEqual({ retries: 5, baseDelayMs: 100, maxDelayMs: 5_000 });
    expect(backoffDelays({}, () => 0)).toEqual([100, 200, 400, 800, 1600]);
    expect(backoffDelays({}, () => 0.999)).toEqual([200, 400, 800, 1599, 3198]);
    expect(backoffDelays({ retries: 8 }, () => 0.5)).toEqual([
      150, 300, 600, 1200, 2400, 4800, 150, 300,
    ]);
    expect(backoffDelays({ retries: 0 })).toEqual([]);
    for (const delay of backoffDelays({ retries: 50 })) {
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(5_000);
    }
  });
});

describe('WebSocket upgrade signing', () => {
  test('SigV4 headers for service ssmmessages, unless the URL is presigned', async () => {
    const headers = await signStreamUrl(
      world.context,
      'wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/s-1?role=publish_subscribe&cell-number=abc',
    );
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/ssmmessages\/aws4_request/,
    );
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(
      await signStreamUrl(
        world.context,
        'wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/s-1?X-Amz-Signature=abc',
      ),
    ).toEqual({});
    expect(await signStreamUrl(world.context, 'not a url')).toEqual({});
  });

  test('redactStreamUrl drops the query string', () => {
    expect(redactStreamUrl('wss://h/v1/data-channel/s?role=x&cell-number=y')).toBe(
      'wss://h/v1/data-channel/s?…',
    );
    expect(redactStreamUrl('wss://h/v1/data-channel/s')).toBe('wss://h/v1/data-channel/s');
  });
});
