import { describe, expect, test } from 'vitest';
import { ProtocolErrorCode } from '../../errors/index.js';
import { decodeClientMessage } from '../client-message.js';
import { PayloadTypeFlag } from '../constants.js';
import captures from '../__fixtures__/captures.json' with { type: 'json' };
import {
  describeCodec,
  describeErrors,
  expectSsmError,
  hex,
  toHexString,
  utf8,
} from '../__fixtures__/vectors.js';
import {
  ActionStatus,
  decodeAcknowledge,
  decodeAgentSessionState,
  decodeChannelClosed,
  decodeEncryptionChallenge,
  decodeFlag,
  decodeHandshakeComplete,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  decodeKmsEncryptionActionResult,
  decodeOpenDataChannel,
  decodeSize,
  encodeAcknowledge,
  encodeAgentSessionState,
  encodeChannelClosed,
  encodeEncryptionChallenge,
  encodeFlag,
  encodeHandshakeComplete,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  encodeKmsEncryptionActionResult,
  encodeOpenDataChannel,
  encodeSize,
  isKmsEncryptionAction,
  isSessionTypeAction,
} from './index.js';
import type {
  AcknowledgeContent,
  AgentSessionStateContent,
  ChannelClosedContent,
  EncryptionChallengePayload,
  HandshakeCompletePayload,
  HandshakeRequestPayload,
  HandshakeResponsePayload,
  OpenDataChannelRequest,
  TerminalSize,
} from './index.js';

const ID_A = 'dd01e56b-ff48-483e-a508-b5f073f31b16';
const KMS_ARN = 'arn:aws:kms:us-east-1:111122223333:key/EXAMPLE';

/** A JSON vector: `json` is the exact text Go emits. */
function jsonVector<Value>(name: string, value: Value, json: string) {
  return { name, value, bytes: utf8(json) };
}

const capturedPayloads = captures.frames
  .filter((frame) => frame.dir !== 'client-open')
  .map((frame) => ({
    description: frame.description,
    message: decodeClientMessage(hex(frame.hex)),
  }));

function captured(fragment: string): Uint8Array {
  const found = capturedPayloads.find((frame) => frame.description.includes(fragment));
  if (found === undefined) throw new Error(`no capture matching ${fragment}`);
  return found.message.payload;
}

// ---- acknowledge ------------------------------------------------------------------------------

describeCodec<AcknowledgeContent>(
  'acknowledge',
  { encode: encodeAcknowledge, decode: decodeAcknowledge },
  [
    jsonVector(
      '§4.2 example',
      {
        acknowledgedMessageType: 'output_stream_data',
        acknowledgedMessageId: ID_A,
        acknowledgedMessageSequenceNumber: 0,
        isSequentialMessage: true,
      },
      '{"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"dd01e56b-ff48-483e-a508-b5f073f31b16","AcknowledgedMessageSequenceNumber":0,"IsSequentialMessage":true}',
    ),
    {
      name: 'captured agent ack of the HandshakeResponse',
      value: {
        acknowledgedMessageType: 'input_stream_data',
        acknowledgedMessageId: '56d5f288-16b0-480a-a204-c40d90ec454a',
        acknowledgedMessageSequenceNumber: 0,
        isSequentialMessage: true,
      },
      bytes: captured('agent acknowledge of HandshakeResponse'),
    },
    {
      name: 'captured client ack of the HandshakeRequest',
      value: {
        acknowledgedMessageType: 'output_stream_data',
        acknowledgedMessageId: 'fbd911ff-55ae-4af9-bfe4-e9a1850b30a9',
        acknowledgedMessageSequenceNumber: 0,
        isSequentialMessage: true,
      },
      bytes: captured('plugin acknowledge of HandshakeRequest'),
    },
  ],
);

test('acknowledge: only the sequence number is required (Go zero values)', () => {
  expect(decodeAcknowledge(utf8('{"AcknowledgedMessageSequenceNumber":42}'))).toEqual({
    acknowledgedMessageType: '',
    acknowledgedMessageId: '',
    acknowledgedMessageSequenceNumber: 42,
    isSequentialMessage: false,
  });
});

describeErrors('acknowledge errors', decodeAcknowledge, [
  {
    name: 'not JSON',
    bytes: utf8('{"Ack'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'acknowledge',
  },
  { name: 'empty', bytes: new Uint8Array(0), code: ProtocolErrorCode.INVALID_PAYLOAD },
  {
    name: 'sequence number missing',
    bytes: utf8('{"AcknowledgedMessageType":"x"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'AcknowledgedMessageSequenceNumber',
  },
  {
    name: 'sequence number as string',
    bytes: utf8('{"AcknowledgedMessageSequenceNumber":"1"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'AcknowledgedMessageSequenceNumber',
  },
  {
    name: 'negative sequence number',
    bytes: utf8('{"AcknowledgedMessageSequenceNumber":-1}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
  },
  {
    name: 'IsSequentialMessage not a bool',
    bytes: utf8('{"AcknowledgedMessageSequenceNumber":1,"IsSequentialMessage":"yes"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'IsSequentialMessage',
  },
  {
    name: 'JSON array',
    bytes: utf8('[]'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: '(root)',
  },
]);

// ---- channel_closed ---------------------------------------------------------------------------

const channelClosed: ChannelClosedContent = {
  messageId: ID_A,
  createdDate: '1503434274948',
  destinationId: 'i-0123456789abcdef0',
  sessionId: 'user-0123456789abcdef0',
  messageType: 'channel_closed',
  schemaVersion: 1,
  output: '',
};

describeCodec<ChannelClosedContent>(
  'channel_closed',
  { encode: encodeChannelClosed, decode: decodeChannelClosed },
  [
    jsonVector(
      'V7 (plugin struct order)',
      channelClosed,
      '{"MessageId":"dd01e56b-ff48-483e-a508-b5f073f31b16","CreatedDate":"1503434274948","DestinationId":"i-0123456789abcdef0","SessionId":"user-0123456789abcdef0","MessageType":"channel_closed","SchemaVersion":1,"Output":""}',
    ),
    jsonVector(
      'idle timeout, Go HTML escaping',
      { ...channelClosed, output: 'Your session timed out <idle> & was terminated.' },
      '{"MessageId":"dd01e56b-ff48-483e-a508-b5f073f31b16","CreatedDate":"1503434274948","DestinationId":"i-0123456789abcdef0","SessionId":"user-0123456789abcdef0","MessageType":"channel_closed","SchemaVersion":1,"Output":"Your session timed out \\u003cidle\\u003e \\u0026 was terminated."}',
    ),
  ],
);

describe('channel_closed tolerance', () => {
  test('agent struct without Output', () => {
    expect(
      decodeChannelClosed(
        utf8(
          '{"MessageId":"m","CreatedDate":"1","DestinationId":"d","SessionId":"s","MessageType":"channel_closed","SchemaVersion":1}',
        ),
      ).output,
    ).toBe('');
  });
  test('empty object decodes to zero values', () => {
    expect(decodeChannelClosed(utf8('{}'))).toEqual({
      messageId: '',
      createdDate: '',
      destinationId: '',
      sessionId: '',
      messageType: '',
      schemaVersion: 0,
      output: '',
    });
  });
  test('numeric CreatedDate is kept as its decimal text', () => {
    expect(decodeChannelClosed(utf8('{"CreatedDate":1503434274948}')).createdDate).toBe(
      '1503434274948',
    );
  });
  test('unknown fields are ignored', () => {
    expect(decodeChannelClosed(utf8('{"Output":"bye","Extra":[1,2]}')).output).toBe('bye');
  });
});

describeErrors('channel_closed errors', decodeChannelClosed, [
  {
    name: 'not JSON',
    bytes: utf8('nope'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'channel_closed',
  },
  {
    name: 'Output number',
    bytes: utf8('{"Output":5}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'Output',
  },
  {
    name: 'SchemaVersion string',
    bytes: utf8('{"SchemaVersion":"1"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'SchemaVersion',
  },
  {
    name: 'CreatedDate object',
    bytes: utf8('{"CreatedDate":{}}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'CreatedDate',
  },
  { name: 'JSON null', bytes: utf8('null'), code: ProtocolErrorCode.INVALID_PAYLOAD },
]);

// ---- Flag -------------------------------------------------------------------------------------

describeCodec<number>('Flag', { encode: encodeFlag, decode: decodeFlag }, [
  { name: 'DisconnectToPort', value: PayloadTypeFlag.DisconnectToPort, bytes: hex('00000001') },
  {
    name: 'TerminateSession (V4)',
    value: PayloadTypeFlag.TerminateSession,
    bytes: hex('00000002'),
  },
  { name: 'ConnectToPortError', value: PayloadTypeFlag.ConnectToPortError, bytes: hex('00000003') },
  { name: 'unknown value kept', value: 0xdeadbeef, bytes: hex('deadbeef') },
  { name: 'captured ConnectToPortError', value: 3, bytes: captured('ConnectToPortError') },
  { name: 'captured TerminateSession', value: 2, bytes: captured('Flag TerminateSession') },
]);

describeErrors('Flag errors', decodeFlag, [
  {
    name: 'empty',
    bytes: new Uint8Array(0),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'Flag',
  },
  { name: '3 bytes', bytes: hex('000002'), code: ProtocolErrorCode.INVALID_PAYLOAD },
  { name: '5 bytes', bytes: hex('0000000200'), code: ProtocolErrorCode.INVALID_PAYLOAD },
]);

test.each([-1, 1.5, 2 ** 32, Number.NaN])('encodeFlag(%s) → INVALID_FIELD', (value) => {
  expectSsmError(() => encodeFlag(value), ProtocolErrorCode.INVALID_FIELD);
});

test('decodeFlag reads a view at an odd offset', () => {
  expect(decodeFlag(hex('ff00000002').subarray(1))).toBe(2);
});

// ---- Size -------------------------------------------------------------------------------------

describeCodec<TerminalSize>('Size', { encode: encodeSize, decode: decodeSize }, [
  jsonVector('V5 80x24', { cols: 80, rows: 24 }, '{"cols":80,"rows":24}'),
  jsonVector('0x0', { cols: 0, rows: 0 }, '{"cols":0,"rows":0}'),
  jsonVector('uint32 max', { cols: 4294967295, rows: 1 }, '{"cols":4294967295,"rows":1}'),
]);

describeErrors('Size errors', decodeSize, [
  {
    name: 'rows missing',
    bytes: utf8('{"cols":80}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'rows',
  },
  {
    name: 'negative cols',
    bytes: utf8('{"cols":-1,"rows":1}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'cols',
  },
  {
    name: 'fractional cols',
    bytes: utf8('{"cols":1.5,"rows":1}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'cols',
  },
  {
    name: 'rows > uint32',
    bytes: utf8('{"cols":1,"rows":4294967296}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'rows',
  },
]);

test('encodeSize rejects non-uint32 sizes', () => {
  expectSsmError(() => encodeSize({ cols: -1, rows: 24 }), ProtocolErrorCode.INVALID_FIELD, 'cols');
});

// ---- agent_session_state ----------------------------------------------------------------------

describeCodec<AgentSessionStateContent>(
  'agent_session_state',
  { encode: encodeAgentSessionState, decode: decodeAgentSessionState },
  [
    jsonVector(
      'V7 Connected',
      { schemaVersion: 1, sessionState: 'Connected', sessionId: 'user-0123456789abcdef0' },
      '{"SchemaVersion":1,"SessionState":"Connected","SessionId":"user-0123456789abcdef0"}',
    ),
    jsonVector(
      'Terminating',
      { schemaVersion: 1, sessionState: 'Terminating', sessionId: 's' },
      '{"SchemaVersion":1,"SessionState":"Terminating","SessionId":"s"}',
    ),
    {
      name: 'captured Connected',
      value: { schemaVersion: 1, sessionState: 'Connected', sessionId: 'test-26d70583bf69d6d8' },
      bytes: captured('agent_session_state'),
    },
  ],
);

describeErrors('agent_session_state errors', decodeAgentSessionState, [
  {
    name: 'SessionState number',
    bytes: utf8('{"SessionState":1}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'SessionState',
  },
]);

// ---- EncChallengeRequest / Response ----------------------------------------------------------

describeCodec<EncryptionChallengePayload>(
  'EncryptionChallenge',
  { encode: encodeEncryptionChallenge, decode: decodeEncryptionChallenge },
  [
    jsonVector('4 bytes', { challenge: hex('00010203') }, '{"Challenge":"AAECAw=="}'),
    jsonVector('bytes needing + and /', { challenge: hex('fbff') }, '{"Challenge":"+/8="}'),
    jsonVector('empty', { challenge: new Uint8Array(0) }, '{"Challenge":""}'),
  ],
);

test('EncryptionChallenge: null Challenge decodes as empty bytes', () => {
  expect(decodeEncryptionChallenge(utf8('{"Challenge":null}')).challenge).toHaveLength(0);
});

describeErrors('EncryptionChallenge errors', decodeEncryptionChallenge, [
  {
    name: 'not base64',
    bytes: utf8('{"Challenge":"!!!!"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'Challenge',
  },
  {
    name: 'URL-safe base64',
    bytes: utf8('{"Challenge":"-_8="}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
  },
  {
    name: 'unpadded',
    bytes: utf8('{"Challenge":"AAECAw"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
  },
  { name: 'number', bytes: utf8('{"Challenge":5}'), code: ProtocolErrorCode.INVALID_PAYLOAD },
]);

// ---- HandshakeRequest -------------------------------------------------------------------------

function sessionTypeRequest(
  sessionType: string,
  properties: Record<string, unknown> | null,
  agentVersion = '3.3.0.0',
): HandshakeRequestPayload {
  return {
    agentVersion,
    requestedClientActions: [
      { actionType: 'SessionType', actionParameters: { sessionType, properties } },
    ],
  };
}

describeCodec<HandshakeRequestPayload>(
  'HandshakeRequest',
  { encode: encodeHandshakeRequest, decode: decodeHandshakeRequest },
  [
    jsonVector(
      'V7 AWS-StartPortForwardingSession (document key order in, sorted out)',
      sessionTypeRequest('Port', {
        portNumber: '80',
        type: 'LocalPortForwarding',
        localPortNumber: '0',
      }),
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":{"localPortNumber":"0","portNumber":"80","type":"LocalPortForwarding"}}}]}',
    ),
    jsonVector(
      'V7 AWS-StartSSHSession',
      sessionTypeRequest('Port', { portNumber: '22' }),
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":{"portNumber":"22"}}}]}',
    ),
    jsonVector(
      'V7 RemoteHost',
      sessionTypeRequest('Port', {
        portNumber: '5432',
        type: 'LocalPortForwarding',
        localPortNumber: '15432',
        host: 'db.internal',
      }),
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":{"host":"db.internal","localPortNumber":"15432","portNumber":"5432","type":"LocalPortForwarding"}}}]}',
    ),
    jsonVector(
      'V7 shell with KMS',
      {
        agentVersion: '3.3.0.0',
        requestedClientActions: [
          {
            actionType: 'SessionType',
            actionParameters: { sessionType: 'Standard_Stream', properties: null },
          },
          {
            actionType: 'KMSEncryption',
            actionParameters: { kmsKeyId: KMS_ARN, challenge: 'AAAAAAAAAAAAAAAAAAAAAA==' },
          },
        ],
      },
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Standard_Stream","Properties":null}},{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"arn:aws:kms:us-east-1:111122223333:key/EXAMPLE","Challenge":"AAAAAAAAAAAAAAAAAAAAAA=="}}]}',
    ),
    jsonVector(
      'KMS without Challenge (older agents)',
      {
        agentVersion: '2.3.539.0',
        requestedClientActions: [
          { actionType: 'KMSEncryption', actionParameters: { kmsKeyId: 'alias/x' } },
        ],
      },
      '{"AgentVersion":"2.3.539.0","RequestedClientActions":[{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"alias/x"}}]}',
    ),
    jsonVector(
      'InteractiveCommands: nested values, sorted keys, Go HTML escapes',
      sessionTypeRequest('InteractiveCommands', { runAsElevated: false, commands: 'a && b > c' }),
      '{"AgentVersion":"3.3.0.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"InteractiveCommands","Properties":{"commands":"a \\u0026\\u0026 b \\u003e c","runAsElevated":false}}}]}',
    ),
    jsonVector(
      'unknown action keeps raw parameters',
      {
        agentVersion: '9.9.9.9',
        requestedClientActions: [{ actionType: 'Foo', actionParameters: { Bar: [1, 'x'] } }],
      },
      '{"AgentVersion":"9.9.9.9","RequestedClientActions":[{"ActionType":"Foo","ActionParameters":{"Bar":[1,"x"]}}]}',
    ),
    {
      name: 'captured RemoteHost request from agent 3.3.1142.0',
      value: sessionTypeRequest(
        'Port',
        {
          host: '127.0.0.1',
          localPortNumber: '17800',
          portNumber: '17777',
          type: 'LocalPortForwarding',
        },
        '3.3.1142.0',
      ),
      bytes: captured('HandshakeRequest'),
    },
  ],
);

test('HandshakeRequest: type guards narrow decoded actions', () => {
  const request = decodeHandshakeRequest(
    utf8(
      '{"AgentVersion":"1","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port"}},{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"k"}}]}',
    ),
  );
  const [first, second] = request.requestedClientActions;
  expect(
    first !== undefined && isSessionTypeAction(first) && first.actionParameters.properties,
  ).toBe(null);
  expect(
    second !== undefined && isKmsEncryptionAction(second) && second.actionParameters.kmsKeyId,
  ).toBe('k');
});

test('HandshakeRequest: null actions decode as an empty list', () => {
  expect(
    decodeHandshakeRequest(utf8('{"AgentVersion":"3.3.0.0","RequestedClientActions":null}')),
  ).toEqual({
    agentVersion: '3.3.0.0',
    requestedClientActions: [],
  });
});

describeErrors('HandshakeRequest errors', decodeHandshakeRequest, [
  {
    name: 'not JSON',
    bytes: utf8('{'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'HandshakeRequest',
  },
  {
    name: 'actions not an array',
    bytes: utf8('{"RequestedClientActions":{}}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'RequestedClientActions',
  },
  {
    name: 'Properties a string',
    bytes: utf8(
      '{"RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":"x"}}]}',
    ),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'RequestedClientActions[0].ActionParameters.Properties',
  },
  {
    name: 'SessionType a number',
    bytes: utf8(
      '{"RequestedClientActions":[{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"k"}},{"ActionType":"SessionType","ActionParameters":{"SessionType":5}}]}',
    ),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'RequestedClientActions[1].ActionParameters.SessionType',
  },
  {
    name: 'KMS parameters missing',
    bytes: utf8('{"RequestedClientActions":[{"ActionType":"KMSEncryption"}]}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'RequestedClientActions[0].ActionParameters',
  },
]);

// ---- HandshakeResponse ------------------------------------------------------------------------

describeCodec<HandshakeResponsePayload>(
  'HandshakeResponse',
  { encode: encodeHandshakeResponse, decode: decodeHandshakeResponse },
  [
    jsonVector(
      'V7 with KMS',
      {
        clientVersion: '1.2.0.0',
        processedClientActions: [
          {
            actionType: 'SessionType',
            actionStatus: ActionStatus.Success,
            actionResult: null,
            error: '',
          },
          {
            actionType: 'KMSEncryption',
            actionStatus: ActionStatus.Success,
            actionResult: encodeKmsEncryptionActionResult({
              kmsCipherTextKey: utf8('cipher-text-key'),
            }),
            error: '',
          },
        ],
        errors: null,
      },
      '{"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"SessionType","ActionStatus":1,"ActionResult":null,"Error":""},{"ActionType":"KMSEncryption","ActionStatus":1,"ActionResult":{"KMSCipherTextKey":"Y2lwaGVyLXRleHQta2V5","KMSCipherTextHash":null},"Error":""}],"Errors":null}',
    ),
    jsonVector(
      "V7 plugin's buggy unsupported-action entry",
      {
        clientVersion: '1.2.0.0',
        processedClientActions: [
          { actionType: 'Foo', actionStatus: 0, actionResult: 3, error: 'Unsupported action Foo' },
        ],
        errors: ['Unsupported action Foo'],
      },
      '{"ClientVersion":"1.2.0.0","ProcessedClientActions":[{"ActionType":"Foo","ActionStatus":0,"ActionResult":3,"Error":"Unsupported action Foo"}],"Errors":["Unsupported action Foo"]}',
    ),
    jsonVector(
      'no actions',
      { clientVersion: '1.2.707.0', processedClientActions: [], errors: null },
      '{"ClientVersion":"1.2.707.0","ProcessedClientActions":[],"Errors":null}',
    ),
    {
      name: 'captured response of plugin 1.2.677.0',
      value: {
        clientVersion: '1.2.677.0',
        processedClientActions: [
          { actionType: 'SessionType', actionStatus: 1, actionResult: null, error: '' },
        ],
        errors: null,
      },
      bytes: captured('plugin HandshakeResponse'),
    },
  ],
);

describe('KMS action result', () => {
  test('decodes the V7 ActionResult', () => {
    const result = decodeKmsEncryptionActionResult({
      KMSCipherTextKey: 'Y2lwaGVyLXRleHQta2V5',
      KMSCipherTextHash: null,
    });
    expect(Buffer.from(result.kmsCipherTextKey).toString()).toBe('cipher-text-key');
    expect(result.kmsCipherTextHash).toBe(null);
    expect(result.challengeAcknowledgement).toBe(false);
  });
  test('ChallengeAcknowledgement and hash are written when set', () => {
    expect(
      JSON.stringify(
        encodeKmsEncryptionActionResult({
          kmsCipherTextKey: hex('01'),
          kmsCipherTextHash: hex('02'),
          challengeAcknowledgement: true,
        }),
      ),
    ).toBe(
      '{"KMSCipherTextKey":"AQ==","KMSCipherTextHash":"Ag==","ChallengeAcknowledgement":true}',
    );
  });
  test.each([null, 3, 'x', { KMSCipherTextKey: '***' }])('rejects %j', (value) => {
    expectSsmError(
      () => decodeKmsEncryptionActionResult(value),
      ProtocolErrorCode.INVALID_PAYLOAD,
      'ActionResult',
    );
  });
});

describeErrors('HandshakeResponse errors', decodeHandshakeResponse, [
  {
    name: 'ActionStatus string',
    bytes: utf8('{"ProcessedClientActions":[{"ActionStatus":"1"}]}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'ProcessedClientActions[0].ActionStatus',
  },
  {
    name: 'Errors contains a number',
    bytes: utf8('{"Errors":["a",1]}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'Errors[1]',
  },
]);

// ---- HandshakeComplete ------------------------------------------------------------------------

describeCodec<HandshakeCompletePayload>(
  'HandshakeComplete',
  { encode: encodeHandshakeComplete, decode: decodeHandshakeComplete },
  [
    jsonVector(
      'V7 1.5 s',
      { handshakeTimeToComplete: 1_500_000_000, customerMessage: '' },
      '{"HandshakeTimeToComplete":1500000000,"CustomerMessage":""}',
    ),
    jsonVector(
      'V7 encrypted',
      {
        handshakeTimeToComplete: 1_234_567_000,
        customerMessage: 'This session is encrypted using AWS KMS.',
      },
      '{"HandshakeTimeToComplete":1234567000,"CustomerMessage":"This session is encrypted using AWS KMS."}',
    ),
    jsonVector(
      'separate-streams nag with CR LF',
      {
        handshakeTimeToComplete: 1,
        customerMessage:
          'Please update session manager plugin version (minimum required version 1.2.312.0) for fully support of separate StdOut/StdErr output.\r\n',
      },
      '{"HandshakeTimeToComplete":1,"CustomerMessage":"Please update session manager plugin version (minimum required version 1.2.312.0) for fully support of separate StdOut/StdErr output.\\r\\n"}',
    ),
    {
      name: 'captured (2.03 ms)',
      value: { handshakeTimeToComplete: 2031401, customerMessage: '' },
      bytes: captured('HandshakeComplete'),
    },
  ],
);

describeErrors('HandshakeComplete errors', decodeHandshakeComplete, [
  {
    name: 'duration as string',
    bytes: utf8('{"HandshakeTimeToComplete":"1s"}'),
    code: ProtocolErrorCode.INVALID_PAYLOAD,
    message: 'HandshakeTimeToComplete',
  },
]);

// ---- open-data-channel text frame -------------------------------------------------------------

const openFrameText = Buffer.from(captures.frames[0]!.hex, 'hex').toString('utf8');

describeCodec<OpenDataChannelRequest, string>(
  'open-data-channel',
  { encode: encodeOpenDataChannel, decode: decodeOpenDataChannel },
  [
    jsonVector(
      'V7 client',
      {
        messageSchemaVersion: '1.0',
        requestId: '11111111-2222-3333-4444-555555555555',
        tokenValue: 'TOKEN',
        clientId: '66666666-7777-8888-9999-000000000000',
        clientVersion: '1.2.0.0',
      },
      '{"MessageSchemaVersion":"1.0","RequestId":"11111111-2222-3333-4444-555555555555","TokenValue":"TOKEN","ClientId":"66666666-7777-8888-9999-000000000000","ClientVersion":"1.2.0.0"}',
    ),
    jsonVector(
      'agent variant (ClientInstanceId before ClientId)',
      {
        messageSchemaVersion: '1.0',
        requestId: 'r',
        tokenValue: 'T',
        clientInstanceId: 'i-0123456789abcdef0',
        clientId: 'c',
      },
      '{"MessageSchemaVersion":"1.0","RequestId":"r","TokenValue":"T","ClientInstanceId":"i-0123456789abcdef0","ClientId":"c"}',
    ),
    jsonVector(
      'old client without ClientVersion',
      { messageSchemaVersion: '1.0', requestId: 'r', tokenValue: 'T', clientId: 'c' },
      '{"MessageSchemaVersion":"1.0","RequestId":"r","TokenValue":"T","ClientId":"c"}',
    ),
    {
      name: 'captured plugin 1.2.677.0 open frame',
      value: {
        messageSchemaVersion: '1.0',
        requestId: 'f654763f-02cd-4796-b54f-9e11acd2bd1a',
        tokenValue: 'ctok-763641575ea01c33d99a892039edfa37',
        clientId: '14798eea-df4d-4c8e-ab6b-afe2a7f4a708',
        clientVersion: '1.2.677.0',
      },
      bytes: utf8(openFrameText),
    },
  ],
  (bytes) => Buffer.from(bytes).toString('utf8'),
);

describe('open-data-channel', () => {
  test('decodes UTF-8 bytes as well as text', () => {
    expect(decodeOpenDataChannel(utf8(openFrameText)).clientVersion).toBe('1.2.677.0');
  });

  const secret = 'SECRET-TOKEN-abc123';
  test.each([
    ['truncated JSON', `{"MessageSchemaVersion":"1.0","TokenValue":"${secret}"`, '(characters)'],
    ['RequestId missing', `{"MessageSchemaVersion":"1.0","TokenValue":"${secret}"}`, 'RequestId'],
    [
      'TokenValue a number',
      '{"MessageSchemaVersion":"1.0","RequestId":"r","TokenValue":5}',
      'TokenValue',
    ],
    [
      'ClientId an object',
      `{"MessageSchemaVersion":"1.0","RequestId":"r","TokenValue":"${secret}","ClientId":{}}`,
      'ClientId',
    ],
  ])('%s → INVALID_PAYLOAD without the token', (_name, text, field) => {
    const error = expectSsmError(
      () => decodeOpenDataChannel(text),
      ProtocolErrorCode.INVALID_PAYLOAD,
    );
    if (field !== '(characters)') expect(error.message).toContain(field);
    expect(error.message).not.toContain(secret);
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain(secret);
  });
});

test('helpers: hex/utf8 sanity', () => {
  expect(toHexString(utf8('A'))).toBe('41');
});

test('HandshakeRequest: a "__proto__" property key survives decode and sorted encode', () => {
  const json =
    '{"AgentVersion":"1","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":{"__proto__":"x","a":"b"}}}]}';
  const request = decodeHandshakeRequest(utf8(json));
  expect(Buffer.from(encodeHandshakeRequest(request)).toString()).toBe(json);
});
