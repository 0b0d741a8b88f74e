/**
 * Routes AWS API requests: JSON 1.1 by `X-Amz-Target`, Query by `Action` (service chosen from the
 * SigV4 credential scope, else from `Version`). Verifies SigV4, runs the operation, renders the
 * response or the error in the service's own protocol.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import { newRequestId } from '../internal/ids.js';
import type { EmulatorState } from '../state.js';
import type { JsonOperation, QueryOperation, RequestContext } from '../services/context.js';
import { ec2Operations } from '../services/ec2.js';
import { ecsOperations } from '../services/ecs.js';
import { rdsOperations } from '../services/rds.js';
import { secretsManagerOperations } from '../services/secrets-manager.js';
import { ssmOperations } from '../services/ssm.js';
import { stsOperations } from '../services/sts.js';
import { AwsApiError } from './aws-error.js';
import type { ProtocolFamily } from './aws-error.js';
import { parseQueryParams } from './query-params.js';
import type { QueryParams } from './query-params.js';
import { verifySignature } from './sigv4.js';
import { element, escapeXml } from './xml.js';

const log = createDebug('ssmkit:emulator:http');

interface JsonService {
  /** X-Amz-Target prefix before the dot. */
  targetPrefix: string;
  signingName: string;
  operations: Record<string, JsonOperation>;
  /** Error code for unexpected failures. */
  internalError: string;
  /** `message` or `Message` in error bodies, as the service writes it. */
  messageKey: 'message' | 'Message';
}

interface QueryService {
  signingName: string;
  version: string;
  family: Extract<ProtocolFamily, 'query' | 'ec2'>;
  namespace: string;
  operations: Record<string, QueryOperation>;
}

const JSON_SERVICES: JsonService[] = [
  {
    targetPrefix: 'AmazonSSM',
    signingName: 'ssm',
    operations: ssmOperations,
    internalError: 'InternalServerError',
    messageKey: 'Message',
  },
  {
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    signingName: 'ecs',
    operations: ecsOperations,
    internalError: 'ServerException',
    messageKey: 'message',
  },
  {
    targetPrefix: 'secretsmanager',
    signingName: 'secretsmanager',
    operations: secretsManagerOperations,
    internalError: 'InternalServiceError',
    messageKey: 'Message',
  },
];

const QUERY_SERVICES: QueryService[] = [
  {
    signingName: 'sts',
    version: '2011-06-15',
    family: 'query',
    namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    operations: stsOperations,
  },
  {
    signingName: 'ec2',
    version: '2016-11-15',
    family: 'ec2',
    namespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
    operations: ec2Operations,
  },
  {
    signingName: 'rds',
    version: '2014-10-31',
    family: 'query',
    namespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
    operations: rdsOperations,
  },
];

export interface AwsRequest {
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  state: EmulatorState;
  /** `host:port` the server is reachable on (fallback when the Host header is missing). */
  defaultHost: string;
}

function scopeService(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  return authorization === undefined
    ? undefined
    : /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(authorization)?.[1];
}

async function authenticate(
  input: AwsRequest,
  family: ProtocolFamily,
  signingName: string,
): Promise<{ context: Omit<RequestContext, 'family' | 'requestId'> } | AwsApiError> {
  const { request, body, state } = input;
  const verified = await verifySignature(
    { method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body },
    {
      family,
      service: signingName,
      lookup: (accessKeyId) => state.credentials.get(accessKeyId),
      now: state.clock.now(),
      wallClockNow: Date.now(),
    },
  );
  if (verified instanceof AwsApiError) return verified;
  return {
    context: {
      state,
      identity: verified.credential.identity,
      region: verified.region,
      publicHost: request.headers.host ?? input.defaultHost,
    },
  };
}

function sendJson(
  response: ServerResponse,
  status: number,
  requestId: string,
  body: unknown,
  errorType?: string,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...(errorType === undefined ? {} : { 'x-amzn-ErrorType': errorType }),
  });
  response.end(text);
}

function sendXml(response: ServerResponse, status: number, requestId: string, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  response.end(text);
}

function jsonError(service: JsonService | undefined, error: AwsApiError): Record<string, unknown> {
  return { __type: error.code, [service?.messageKey ?? 'message']: error.message, ...error.extra };
}

function queryErrorXml(
  family: ProtocolFamily,
  namespace: string | undefined,
  error: AwsApiError,
  requestId: string,
): string {
  if (family === 'ec2') {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  }
  const type = error.statusCode >= 500 ? 'Receiver' : 'Sender';
  const xmlns = namespace === undefined ? '' : ` xmlns="${namespace}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${xmlns}><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** Handles one AWS API request (anything that is not `/_emulator/*` or a WebSocket upgrade). */
export async function handleAwsRequest(input: AwsRequest): Promise<void> {
  const { request, body } = input;
  const requestId = newRequestId();
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    await handleJson(input, target, requestId);
    return;
  }
  const url = new URL(request.url ?? '/', 'http://emulator.invalid');
  const params: QueryParams = new Map([
    ...url.searchParams,
    ...parseQueryParams(body.toString('utf8')),
  ]);
  await handleQuery(input, params, requestId);
}

async function handleJson(input: AwsRequest, target: string, requestId: string): Promise<void> {
  const { response, body } = input;
  const dot = target.indexOf('.');
  const prefix = dot < 0 ? target : target.slice(0, dot);
  const operationName = dot < 0 ? '' : target.slice(dot + 1);
  const service = JSON_SERVICES.find((candidate) => candidate.targetPrefix === prefix);
  const fail = (error: AwsApiError): void => {
    log('%s -> %d %s', target, error.statusCode, error.code);
    sendJson(response, error.statusCode, requestId, jsonError(service, error), error.code);
  };
  if (service === undefined) {
    fail(new AwsApiError('UnknownOperationException', `Unknown service target ${prefix}.`, 400));
    return;
  }
  const authenticated = await authenticate(input, 'json', service.signingName);
  if (authenticated instanceof AwsApiError) {
    fail(authenticated);
    return;
  }
  const operation = service.operations[operationName];
  if (operation === undefined) {
    fail(
      new AwsApiError(
        'UnknownOperationException',
        `Operation ${operationName} is not supported by the emulator.`,
        400,
      ),
    );
    return;
  }
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    fail(
      new AwsApiError(
        'SerializationException',
        'Start of structure or map found where not expected.',
        400,
      ),
    );
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail(
      new AwsApiError(
        'SerializationException',
        'Start of structure or map found where not expected.',
        400,
      ),
    );
    return;
  }
  const context: RequestContext = { ...authenticated.context, family: 'json', requestId };
  try {
    const result = operation(parsed as Record<string, unknown>, context);
    log('%s -> 200', target);
    sendJson(response, 200, requestId, result);
  } catch (error) {
    if (error instanceof AwsApiError) fail(error);
    else {
      log('%s -> 500 %O', target, error);
      fail(
        new AwsApiError(service.internalError, 'An internal error occurred in the emulator.', 500),
      );
    }
  }
}

async function handleQuery(
  input: AwsRequest,
  params: QueryParams,
  requestId: string,
): Promise<void> {
  const { request, response } = input;
  const signingName = scopeService(request);
  const version = params.get('Version');
  const service =
    QUERY_SERVICES.find((candidate) => candidate.signingName === signingName) ??
    QUERY_SERVICES.find((candidate) => candidate.version === version);
  const action = params.get('Action');
  const family: ProtocolFamily = service?.family ?? 'query';
  const fail = (error: AwsApiError): void => {
    log('%s %s -> %d %s', service?.signingName ?? '?', action ?? '?', error.statusCode, error.code);
    sendXml(
      response,
      error.statusCode,
      requestId,
      queryErrorXml(family, service?.namespace, error, requestId),
    );
  };
  if (service === undefined) {
    if (request.headers.authorization === undefined) {
      fail(
        new AwsApiError(
          'MissingAuthenticationToken',
          'Request is missing Authentication Token',
          403,
        ),
      );
    } else {
      fail(
        new AwsApiError(
          'InvalidAction',
          `The emulator does not serve the service '${signingName ?? ''}'.`,
          400,
        ),
      );
    }
    return;
  }
  const authenticated = await authenticate(input, service.family, service.signingName);
  if (authenticated instanceof AwsApiError) {
    fail(authenticated);
    return;
  }
  if (action === undefined) {
    fail(new AwsApiError('MissingAction', 'Missing Action', 400));
    return;
  }
  const operation = service.operations[action];
  if (operation === undefined) {
    fail(
      new AwsApiError(
        'InvalidAction',
        `Could not find operation ${action} for version ${version ?? service.version}`,
        400,
      ),
    );
    return;
  }
  const context: RequestContext = { ...authenticated.context, family: service.family, requestId };
  try {
    const result = operation(params, context);
    const text =
      service.family === 'ec2'
        ? element(`${action}Response`, { requestId, ...result }, ` xmlns="${service.namespace}"`)
        : element(
            `${action}Response`,
            { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } },
            ` xmlns="${service.namespace}"`,
          );
    log('%s %s -> 200', service.signingName, action);
    sendXml(response, 200, requestId, `<?xml version="1.0" encoding="UTF-8"?>\n${text}`);
  } catch (error) {
    if (error instanceof AwsApiError) fail(error);
    else {
      log('%s %s -> 500 %O', service.signingName, action, error);
      fail(
        new AwsApiError(
          service.family === 'ec2' ? 'InternalError' : 'InternalFailure',
          'An internal error occurred in the emulator.',
          500,
        ),
      );
    }
  }
}
