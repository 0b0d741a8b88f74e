import { describe, expect, test } from 'vitest';
import { decodeClientMessage } from '../wire/client-message.js';
import {
  ActionStatus,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
} from '../wire/payloads/index.js';
import type { HandshakeRequestPayload, HandshakeResponsePayload } from '../wire/payloads/index.js';
import captures from '../wire/__fixtures__/captures.json' with { type: 'json' };
import { hex, utf8 } from '../wire/__fixtures__/vectors.js';
import {
  buildHandshakeRequest,
  createKmsRequestChallenge,
  evaluateHandshakeResponse,
} from './agent-handshake.js';
import { respondToHandshakeRequest } from './client-handshake.js';
import { DEFAULT_CLIENT_VERSION, agentFeatureGates, choosePortMode } from './feature-gates.js';
import {
  answerEncryptionChallenge,
  createEncryptionChallenge,
  splitDataKey,
  verifyEncryptionChallengeAnswer,
} from './kms.js';

const KMS_ARN = 'arn:aws:kms:us-east-1:111122223333:key/EXAMPLE';
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function capturedPayload(fragment: string): Uint8Array {
  const frame = captures.frames.find((candidate) => candidate.description.includes(fragment));
  if (frame === undefined) throw new Error(fragment);
  return decodeClientMessage(hex(frame.hex)).payload;
}

function request(
  ...actions: HandshakeRequestPayload['requestedClientActions']
): HandshakeRequestPayload {
  return { agentVersion: '3.3.1142.0', requestedClientActions: actions };
}

const portAction = {
  actionType: 'SessionType' as const,
  actionParameters: {
    sessionType: 'Port',
    properties: { portNumber: '80', type: 'LocalPortForwarding' },
  },
};

describe('respondToHandshakeRequest (client)', () => {
  test('answers the captured agent request exactly like plugin 1.2.677.0', async () => {
    const decision = await respondToHandshakeRequest(
      decodeHandshakeRequest(capturedPayload('HandshakeRequest')),
      { clientVersion: '1.2.677.0' },
    );
    expect(text(encodeHandshakeResponse(decision.response))).toBe(
      text(capturedPayload('plugin HandshakeResponse')),
    );
    expect(decision).toMatchObject({
      ok: true,
      agentVersion: '3.3.1142.0',
      sessionType: 'Port',
      sessionKind: 'port',
      keys: undefined,
    });
    expect(choosePortMode(decision.properties, decision.agentVersion)).toBe('mux');
  });

  test('reports DEFAULT_CLIENT_VERSION by default', async () => {
    const decision = await respondToHandshakeRequest(request(portAction));
    expect(decision.response.clientVersion).toBe(DEFAULT_CLIENT_VERSION);
    expect(decision.response.errors).toBe(null);
  });

  test.each(['Standard_Stream', 'InteractiveCommands', 'NonInteractiveCommands'])(
    '%s is a shell session',
    async (sessionType) => {
      const decision = await respondToHandshakeRequest(
        request({ actionType: 'SessionType', actionParameters: { sessionType, properties: null } }),
      );
      expect(decision).toMatchObject({
        ok: true,
        sessionType,
        sessionKind: 'shell',
        properties: null,
      });
    },
  );

  test('unknown session type → ActionStatus 2 "Unknown session type <x>"', async () => {
    const decision = await respondToHandshakeRequest(
      request({
        actionType: 'SessionType',
        actionParameters: { sessionType: 'Teleport', properties: null },
      }),
      { clientVersion: '1.2.0.0' },
    );
    expect(decision.ok).toBe(false);
    expect(decision.sessionKind).toBeUndefined();
    expect(text(encodeHandshakeResponse(decision.response))).toBe(
      '{"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"SessionType","ActionStatus":2,"ActionResult":null,"Error":"Failed to process action SessionType: Unknown session type Teleport"}],"Errors":["Unknown session type Teleport"]}',
    );
  });

  test('unknown action type → ActionStatus 3 (Unsupported), not the plugin’s status 0', async () => {
    const decision = await respondToHandshakeRequest(
      request(portAction, { actionType: 'Foo', actionParameters: { x: 1 } }),
      { clientVersion: '1.2.0.0' },
    );
    expect(decision.ok).toBe(false);
    expect(decision.sessionKind).toBe('port');
    expect(decision.response.processedClientActions[1]).toEqual({
      actionType: 'Foo',
      actionStatus: ActionStatus.Unsupported,
      actionResult: null,
      error: 'Unsupported action Foo',
    });
    expect(decision.response.errors).toEqual(['Unsupported action Foo']);
  });

  test('KMS: handler result becomes the V7 ActionResult byte-exactly', async () => {
    const dataKey = Uint8Array.from({ length: 64 }, (_, index) => 255 - index);
    const seen: unknown[] = [];
    const decision = await respondToHandshakeRequest(
      request(
        {
          actionType: 'SessionType',
          actionParameters: { sessionType: 'Standard_Stream', properties: null },
        },
        {
          actionType: 'KMSEncryption',
          actionParameters: { kmsKeyId: KMS_ARN, challenge: 'AAAAAAAAAAAAAAAAAAAAAA==' },
        },
      ),
      {
        clientVersion: '1.2.0.0',
        kms: async (parameters) => {
          seen.push(parameters);
          return {
            actionResult: { kmsCipherTextKey: utf8('cipher-text-key') },
            keys: splitDataKey(dataKey),
          };
        },
      },
    );
    expect(seen).toEqual([{ kmsKeyId: KMS_ARN, challenge: 'AAAAAAAAAAAAAAAAAAAAAA==' }]);
    expect(text(encodeHandshakeResponse(decision.response))).toBe(
      '{"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"SessionType","ActionStatus":1,"ActionResult":null,"Error":""},{"ActionType":"KMSEncryption","ActionStatus":1,"ActionResult":{"KMSCipherTextKey":"Y2lwaGVyLXRleHQta2V5","KMSCipherTextHash":null},"Error":""}],"Errors":null}',
    );
    expect(decision.ok).toBe(true);
    expect(decision.keys?.agentKey[0]).toBe(255);
  });

  test('KMS without a handler fails the action', async () => {
    const decision = await respondToHandshakeRequest(
      request({ actionType: 'KMSEncryption', actionParameters: { kmsKeyId: KMS_ARN } }),
    );
    expect(decision.ok).toBe(false);
    expect(decision.response.processedClientActions[0]).toMatchObject({
      actionType: 'KMSEncryption',
      actionStatus: ActionStatus.Failed,
    });
    expect(decision.response.processedClientActions[0]?.error).toMatch(
      /^Failed to process action KMSEncryption: /,
    );
  });

  test('KMS handler error fails the action with its message', async () => {
    const decision = await respondToHandshakeRequest(
      request({ actionType: 'KMSEncryption', actionParameters: { kmsKeyId: KMS_ARN } }),
      {
        kms: () =>
          Promise.reject(new Error('AccessDeniedException: not allowed to kms:GenerateDataKey')),
      },
    );
    expect(decision.ok).toBe(false);
    expect(decision.keys).toBeUndefined();
    expect(decision.response.errors).toEqual([
      'AccessDeniedException: not allowed to kms:GenerateDataKey',
    ]);
  });
});

describe('buildHandshakeRequest (agent)', () => {
  test('Port request matches V7 (AWS-StartPortForwardingSession)', () => {
    const built = buildHandshakeRequest({
      agentVersion: '3.3.0.0',
      sessionType: 'Port',
      properties: { portNumber: '80', type: 'LocalPortForwarding', localPortNumber: '0' },
    });
    expect(text(encodeHandshakeRequest(built))).toBe(
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":{"localPortNumber":"0","portNumber":"80","type":"LocalPortForwarding"}}}]}',
    );
  });

  test('shell with KMS matches V7', () => {
    const built = buildHandshakeRequest({
      agentVersion: '3.3.0.0',
      sessionType: 'Standard_Stream',
      properties: null,
      kms: {
        kmsKeyId: KMS_ARN,
        challenge: createKmsRequestChallenge((length) => new Uint8Array(length)),
      },
    });
    expect(text(encodeHandshakeRequest(built))).toBe(
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Standard_Stream","Properties":null}},{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"arn:aws:kms:us-east-1:111122223333:key/EXAMPLE","Challenge":"AAAAAAAAAAAAAAAAAAAAAA=="}}]}',
    );
  });

  test('Port sessions never request KMS', () => {
    const built = buildHandshakeRequest({
      agentVersion: '3.3.0.0',
      sessionType: 'Port',
      properties: { portNumber: '22' },
      kms: { kmsKeyId: KMS_ARN },
    });
    expect(built.requestedClientActions.map((action) => action.actionType)).toEqual([
      'SessionType',
    ]);
  });
});

describe('evaluateHandshakeResponse (agent)', () => {
  const portRequest = request(portAction);
  const ok = (
    actions: HandshakeResponsePayload['processedClientActions'],
  ): HandshakeResponsePayload => ({
    clientVersion: '1.2.677.0',
    processedClientActions: actions,
    errors: null,
  });

  test('accepts the captured plugin response', () => {
    expect(
      evaluateHandshakeResponse(
        portRequest,
        decodeHandshakeResponse(capturedPayload('plugin HandshakeResponse')),
      ),
    ).toEqual({ ok: true, clientVersion: '1.2.677.0', kmsResult: undefined });
  });

  test.each([
    [
      2,
      'Failed to process action SessionType: Unknown session type X',
      'SessionType failed on client with status 2',
    ],
    [3, 'Unsupported action SessionType', 'status 3'],
    [0, '', 'status 0'],
  ])('ActionStatus %i fails the session', (status, error, reason) => {
    const evaluation = evaluateHandshakeResponse(
      portRequest,
      ok([{ actionType: 'SessionType', actionStatus: status, actionResult: null, error }]),
    );
    expect(evaluation.ok).toBe(false);
    expect(!evaluation.ok && evaluation.reason).toContain(reason);
  });

  test("the plugin's buggy unsupported entry (status 0, result 3) fails", () => {
    const evaluation = evaluateHandshakeResponse(
      portRequest,
      decodeHandshakeResponse(
        utf8(
          '{"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"Foo","ActionStatus":0,"ActionResult":3,"Error":"Unsupported action Foo"}],"Errors":["Unsupported action Foo"]}',
        ),
      ),
    );
    expect(evaluation).toMatchObject({
      ok: false,
      reason: 'Foo failed on client with status 0: Unsupported action Foo',
    });
  });

  test('KMS requested but not answered fails', () => {
    const kmsRequest = request(
      {
        actionType: 'SessionType',
        actionParameters: { sessionType: 'Standard_Stream', properties: null },
      },
      { actionType: 'KMSEncryption', actionParameters: { kmsKeyId: KMS_ARN } },
    );
    const evaluation = evaluateHandshakeResponse(
      kmsRequest,
      ok([{ actionType: 'SessionType', actionStatus: 1, actionResult: null, error: '' }]),
    );
    expect(evaluation).toMatchObject({ ok: false });
  });

  test('unreadable KMS result fails', () => {
    const evaluation = evaluateHandshakeResponse(
      portRequest,
      ok([
        {
          actionType: 'KMSEncryption',
          actionStatus: 1,
          actionResult: { KMSCipherTextKey: 5 },
          error: '',
        },
      ]),
    );
    expect(evaluation).toMatchObject({ ok: false });
    expect(!evaluation.ok && evaluation.reason).toContain('KMSCipherTextKey');
  });
});

test('full KMS handshake: agent request → client response → agent evaluation → challenge', async () => {
  const dataKey = Uint8Array.from({ length: 64 }, (_, index) => (index * 7) & 0xff);
  const ciphertextBlob = utf8('opaque-kms-blob');

  // agent
  const agentRequest = buildHandshakeRequest({
    agentVersion: '3.3.1142.0',
    sessionType: 'InteractiveCommands',
    properties: { commands: 'top', runAsElevated: false },
    kms: { kmsKeyId: KMS_ARN, challenge: createKmsRequestChallenge() },
  });
  const requestWire = encodeHandshakeRequest(agentRequest);

  // client
  const decision = await respondToHandshakeRequest(decodeHandshakeRequest(requestWire), {
    kms: async () => ({
      actionResult: { kmsCipherTextKey: ciphertextBlob },
      keys: splitDataKey(dataKey),
    }),
  });
  expect(decision.ok).toBe(true);
  const responseWire = encodeHandshakeResponse(decision.response);

  // agent: evaluate, "KMS Decrypt" the blob to the same data key, challenge
  const evaluation = evaluateHandshakeResponse(agentRequest, decodeHandshakeResponse(responseWire));
  expect(evaluation.ok).toBe(true);
  if (!evaluation.ok) return;
  expect(text(evaluation.kmsResult!.kmsCipherTextKey)).toBe('opaque-kms-blob');
  expect(agentFeatureGates(evaluation.clientVersion).mux).toBe(true);
  const agentKeys = splitDataKey(dataKey);
  const challenge = createEncryptionChallenge(agentKeys);

  // client answers with its keys
  const answer = answerEncryptionChallenge(challenge.cipher, decision.keys!);
  expect(verifyEncryptionChallengeAnswer(answer, challenge, agentKeys)).toBe(true);
});
