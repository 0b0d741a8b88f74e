/** SSM (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.<Operation>`). */
import { randomBytes } from 'node:crypto';
import { AwsApiError } from '../server/aws-error.js';
import { newStreamToken, randomHex } from '../internal/ids.js';
import { SessionStatus } from '../state.js';
import type { ParameterRecord, SessionRecord } from '../state.js';
import type { WorldInstance } from '../world/schema.js';
import {
  asRecord,
  epochSeconds,
  isVisibleIn,
  optionalArray,
  optionalBoolean,
  optionalNumber,
  optionalString,
  optionalStringArray,
  paginate,
  requiredString,
  stringField,
  validationError,
} from './context.js';
import type { JsonOperation, RequestContext } from './context.js';
import { authorize } from './permissions.js';
import { SESSION_DOCUMENTS } from './session-documents.js';

const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const INSTANCE_TARGET = /^(i|mi)-[0-9a-f]{8,17}$/;

function instanceArn(context: RequestContext, instanceId: string): string {
  return instanceId.startsWith('mi-')
    ? `arn:aws:ssm:${context.region}:${context.identity.accountId}:managed-instance/${instanceId}`
    : `arn:aws:ec2:${context.region}:${context.identity.accountId}:instance/${instanceId}`;
}

function findInstance(context: RequestContext, instanceId: string): WorldInstance | undefined {
  return context.state.world.instances.find(
    (instance) => instance.instanceId === instanceId && isVisibleIn(instance, context.region),
  );
}

function streamUrl(context: RequestContext, sessionId: string): string {
  const cell = randomBytes(24).toString('base64url');
  return `ws://${context.publicHost}/v1/data-channel/${sessionId}?role=publish_subscribe&cell-number=${cell}`;
}

function notConnected(target: string): AwsApiError {
  return new AwsApiError('TargetNotConnected', `${target} is not connected.`, 400);
}

/** Validates document parameters against the document; returns them with defaults applied. */
function resolveParameters(documentName: string, raw: unknown): Record<string, string[]> {
  const document = SESSION_DOCUMENTS[documentName];
  if (document === undefined)
    throw new AwsApiError(
      'InvalidDocument',
      `Document with name ${documentName} does not exist.`,
      400,
    );
  const given = asRecord(raw);
  const resolved: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(given)) {
    const definition = document.parameters[name];
    if (definition === undefined) {
      throw validationError(`Parameter "${name}" is not defined in document ${documentName}.`);
    }
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'string')) {
      throw validationError(`Parameter "${name}" must be a list of strings.`);
    }
    if (values.length !== 1) {
      throw validationError(
        `Parameter "${name}" is a String parameter and takes exactly one value, got ${values.length}.`,
      );
    }
    const value = values[0] as string;
    if (definition.allowedPattern !== undefined && !definition.allowedPattern.test(value)) {
      throw validationError(
        `Parameter "${name}" has value "${value}" not matching "${definition.allowedPattern.source}".`,
      );
    }
    resolved[name] = [value];
  }
  for (const [name, definition] of Object.entries(document.parameters)) {
    if (resolved[name] !== undefined) continue;
    if (definition.default === undefined) {
      throw validationError(`Parameter "${name}" is required by document ${documentName}.`);
    }
    resolved[name] = [definition.default];
  }
  return resolved;
}

function describeSession(session: SessionRecord): Record<string, unknown> {
  return {
    SessionId: session.sessionId,
    Target: session.target,
    Status: session.status,
    StartDate: epochSeconds(session.startDate),
    ...(session.endDate === undefined ? {} : { EndDate: epochSeconds(session.endDate) }),
    ...(session.documentName === undefined ? {} : { DocumentName: session.documentName }),
    Owner: session.owner,
    ...(session.reason === undefined ? {} : { Reason: session.reason }),
    OutputUrl: {},
    AccessType: 'Standard',
  };
}

const startSession: JsonOperation = (input, context) => {
  const target = requiredString(input, 'Target');
  if (target.length < 1 || target.length > 400) {
    throw validationError(
      `1 validation error detected: Value '${target}' at 'target' failed to satisfy constraint: Member must have length less than or equal to 400`,
    );
  }
  const documentName = optionalString(input, 'DocumentName');
  if (documentName !== undefined && !DOCUMENT_NAME_PATTERN.test(documentName)) {
    throw validationError(
      `1 validation error detected: Value '${documentName}' at 'documentName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.:/]{3,128}$`,
    );
  }
  const reason = optionalString(input, 'Reason');
  if (reason !== undefined && (reason.length < 1 || reason.length > 256 || /[\r\n]/.test(reason))) {
    throw validationError(
      `1 validation error detected: Value at 'reason' failed to satisfy constraint: Member must satisfy regular expression pattern: ^.{1,256}$`,
    );
  }
  const parameters = resolveParameters(
    documentName ?? 'SSM-SessionManagerRunShell',
    input.Parameters,
  );

  const { state } = context;
  let targetKind: SessionRecord['targetKind'];
  let agentVersion: string;
  if (INSTANCE_TARGET.test(target)) {
    const instance = findInstance(context, target);
    authorize(context, 'ssm:StartSession', instanceArn(context, target), instance?.tags);
    if (instance === undefined || !state.isInstanceOnline(target)) throw notConnected(target);
    targetKind = 'instance';
    agentVersion = instance.agentVersion;
  } else if (target.startsWith('ecs:')) {
    const found = state.findEcsTarget(target);
    const resource = found
      ? `arn:aws:ecs:${context.region}:${context.identity.accountId}:task/${found.task.clusterName}/${found.task.taskId}`
      : `arn:aws:ecs:${context.region}:${context.identity.accountId}:task/${target.slice(4)}`;
    const tags = found
      ? Object.fromEntries(found.task.tags.map((tag) => [tag.key, tag.value]))
      : undefined;
    authorize(context, 'ssm:StartSession', resource, tags);
    if (
      found === undefined ||
      found.task.region !== context.region ||
      !state.isEcsTargetOnline(target)
    ) {
      throw notConnected(target);
    }
    targetKind = 'ecs';
    agentVersion = state.world.ecs.agentVersion;
  } else {
    authorize(context, 'ssm:StartSession', target);
    throw notConnected(target);
  }

  const sessionId = `${context.identity.name}-${randomHex(17)}`;
  const session: SessionRecord = {
    sessionId,
    target,
    targetKind,
    ...(documentName === undefined ? {} : { documentName }),
    parameters,
    ...(reason === undefined ? {} : { reason }),
    owner: context.identity.arn,
    accountId: context.identity.accountId,
    region: context.region,
    status: SessionStatus.Connecting,
    startDate: state.clock.now(),
    agentVersion,
  };
  state.sessions.set(sessionId, session);
  const token = newStreamToken();
  state.issueStreamToken(sessionId, token);
  return { SessionId: sessionId, TokenValue: token, StreamUrl: streamUrl(context, sessionId) };
};

function ownSession(context: RequestContext, sessionId: string): SessionRecord | undefined {
  const session = context.state.sessions.get(sessionId);
  if (
    session === undefined ||
    session.accountId !== context.identity.accountId ||
    session.region !== context.region
  ) {
    return undefined;
  }
  return session;
}

function sessionArn(context: RequestContext, sessionId: string): string {
  return `arn:aws:ssm:${context.region}:${context.identity.accountId}:session/${sessionId}`;
}

const resumeSession: JsonOperation = (input, context) => {
  const sessionId = requiredString(input, 'SessionId');
  authorize(context, 'ssm:ResumeSession', sessionArn(context, sessionId));
  const session = ownSession(context, sessionId);
  if (session === undefined || !context.state.isSessionActive(session)) {
    throw new AwsApiError(
      'DoesNotExistException',
      `Session with id ${sessionId} does not exist.`,
      400,
    );
  }
  const token = newStreamToken();
  context.state.issueStreamToken(sessionId, token, true);
  return { SessionId: sessionId, TokenValue: token, StreamUrl: streamUrl(context, sessionId) };
};

const terminateSession: JsonOperation = (input, context) => {
  const sessionId = requiredString(input, 'SessionId');
  authorize(context, 'ssm:TerminateSession', sessionArn(context, sessionId));
  // Idempotent like AWS: unknown or already-terminated sessions still answer with the id.
  if (ownSession(context, sessionId) !== undefined)
    context.state.endSession(sessionId, 'terminate-session');
  return { SessionId: sessionId };
};

const SESSION_FILTER_KEYS = [
  'InvokedAfter',
  'InvokedBefore',
  'Target',
  'Owner',
  'Status',
  'SessionId',
  'AccessType',
];

const describeSessions: JsonOperation = (input, context) => {
  const stateFilter = requiredString(input, 'State');
  if (stateFilter !== 'Active' && stateFilter !== 'History') {
    throw validationError(
      `1 validation error detected: Value '${stateFilter}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [Active, History]`,
    );
  }
  authorize(context, 'ssm:DescribeSessions', '*');
  const maxResults = optionalNumber(input, 'MaxResults');
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 200)) {
    throw validationError(
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 200`,
    );
  }
  const filters = (optionalArray(input, 'Filters') ?? []).map((raw) => {
    const filter = asRecord(raw);
    const key = stringField(filter, 'key');
    const value = stringField(filter, 'value');
    if (!SESSION_FILTER_KEYS.includes(key)) {
      throw validationError(
        `1 validation error detected: Value '${key}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${SESSION_FILTER_KEYS.join(', ')}]`,
      );
    }
    return { key, value };
  });
  const active = stateFilter === 'Active';
  const sessions = [...context.state.sessions.values()]
    .filter(
      (session) =>
        session.accountId === context.identity.accountId && session.region === context.region,
    )
    .filter((session) => context.state.isSessionActive(session) === active)
    .filter((session) =>
      filters.every(({ key, value }) => {
        switch (key) {
          case 'Target':
            return session.target === value;
          case 'Owner':
            return session.owner === value;
          case 'Status':
            return session.status === value;
          case 'SessionId':
            return session.sessionId === value;
          case 'AccessType':
            return value === 'Standard';
          case 'InvokedAfter':
            return session.startDate >= Date.parse(value);
          case 'InvokedBefore':
            return session.startDate <= Date.parse(value);
          default:
            return true;
        }
      }),
    )
    .sort((a, b) => b.startDate - a.startDate);
  const { page, nextToken } = paginate(sessions, maxResults, optionalString(input, 'NextToken'));
  return {
    Sessions: page.map(describeSession),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
};

const INSTANCE_INFORMATION_FILTER_KEYS = [
  'InstanceIds',
  'AgentVersion',
  'PingStatus',
  'PlatformTypes',
  'ActivationIds',
  'IamRole',
  'ResourceType',
  'AssociationStatus',
];

const describeInstanceInformation: JsonOperation = (input, context) => {
  authorize(context, 'ssm:DescribeInstanceInformation', '*');
  const maxResults = optionalNumber(input, 'MaxResults');
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 50)) {
    throw validationError(
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value ${maxResults < 5 ? 'greater than or equal to 5' : 'less than or equal to 50'}`,
    );
  }
  const legacy = optionalArray(input, 'InstanceInformationFilterList') ?? [];
  const modern = optionalArray(input, 'Filters') ?? [];
  if (legacy.length > 0 && modern.length > 0) {
    throw new AwsApiError(
      'InvalidFilterKey',
      'InstanceInformationFilterList and Filters cannot be used together.',
      400,
    );
  }
  const filters = [
    ...legacy.map((raw) => {
      const filter = asRecord(raw);
      const key = stringField(filter, 'key');
      if (!INSTANCE_INFORMATION_FILTER_KEYS.includes(key)) {
        throw new AwsApiError(
          'InvalidInstanceInformationFilterValue',
          `${key} is not a valid filter key.`,
          400,
        );
      }
      return { key, values: optionalStringArray(filter, 'valueSet') ?? [] };
    }),
    ...modern.map((raw) => {
      const filter = asRecord(raw);
      const key = stringField(filter, 'Key');
      if (
        !INSTANCE_INFORMATION_FILTER_KEYS.includes(key) &&
        !key.startsWith('tag:') &&
        key !== 'tag-key'
      ) {
        throw new AwsApiError('InvalidFilterKey', `The filter key ${key} is not valid.`, 400);
      }
      return { key, values: optionalStringArray(filter, 'Values') ?? [] };
    }),
  ];
  for (const filter of filters) {
    if (filter.values.length === 0) {
      throw new AwsApiError(
        'InvalidInstanceInformationFilterValue',
        `The filter ${filter.key} requires at least one value.`,
        400,
      );
    }
  }
  const { state } = context;
  const now = state.clock.now();
  const list = state.world.instances
    .filter((instance) => isVisibleIn(instance, context.region))
    .map((instance) => {
      const online = state.isInstanceOnline(instance.instanceId);
      return {
        instance,
        info: {
          InstanceId: instance.instanceId,
          PingStatus: online ? 'Online' : 'ConnectionLost',
          LastPingDateTime: epochSeconds(online ? now : now - 3_600_000),
          AgentVersion: instance.agentVersion,
          IsLatestVersion: false,
          PlatformType: instance.platformType,
          PlatformName: instance.platformName,
          PlatformVersion: instance.platformVersion,
          ResourceType: instance.instanceId.startsWith('mi-') ? 'ManagedInstance' : 'EC2Instance',
          IPAddress: instance.privateIpAddress,
          ComputerName: `ip-${instance.privateIpAddress.replace(/\./g, '-')}.ec2.internal`,
          AssociationStatus: 'Success',
          SourceId: instance.instanceId,
          SourceType: instance.instanceId.startsWith('mi-')
            ? 'AWS::SSM::ManagedInstance'
            : 'AWS::EC2::Instance',
        },
      };
    })
    .filter(({ instance, info }) =>
      filters.every(({ key, values }) => {
        switch (key) {
          case 'InstanceIds':
            return values.includes(instance.instanceId);
          case 'PingStatus':
            return values.includes(info.PingStatus);
          case 'AgentVersion':
            return values.includes(info.AgentVersion);
          case 'PlatformTypes':
            return values.includes(info.PlatformType);
          case 'ResourceType':
            return values.includes(info.ResourceType);
          case 'AssociationStatus':
            return values.includes('Success');
          case 'tag-key':
            return values.some((value) => value in instance.tags);
          default:
            if (key.startsWith('tag:')) {
              const tagValue = instance.tags[key.slice(4)];
              return tagValue !== undefined && values.includes(tagValue);
            }
            return false;
        }
      }),
    )
    .map(({ info }) => info);
  const { page, nextToken } = paginate(list, maxResults, optionalString(input, 'NextToken'));
  return {
    InstanceInformationList: page,
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
};

// ---- parameters -------------------------------------------------------------------------------

/** Splits `name[:selector]` and resolves parameter ARNs to names. */
function parameterKeyName(
  context: RequestContext,
  raw: string,
): { name: string; selector?: string } {
  let plain = raw;
  const arn = /^arn:aws[\w-]*:ssm:[^:]*:\d{12}:parameter\/(.*)$/.exec(raw);
  if (arn !== null) {
    const rest = arn[1]!;
    plain =
      lookupParameter(context, `/${rest.replace(/:[^:/]*$/, '')}`) !== undefined
        ? `/${rest}`
        : rest;
  }
  const colon = plain.lastIndexOf(':');
  if (colon > 0) return { name: plain.slice(0, colon), selector: plain.slice(colon + 1) };
  return { name: plain };
}

function lookupParameter(context: RequestContext, name: string): ParameterRecord | undefined {
  return (
    context.state.parameters.get(`${context.region}|${name}`) ??
    context.state.parameters.get(`*|${name}`)
  );
}

function parameterArn(context: RequestContext, name: string): string {
  return `arn:aws:ssm:${context.region}:${context.identity.accountId}:parameter/${name.replace(/^\//, '')}`;
}

function renderParameter(
  context: RequestContext,
  record: ParameterRecord,
  withDecryption: boolean,
  selector?: string,
): Record<string, unknown> {
  const value =
    record.type === 'SecureString' && !withDecryption
      ? Buffer.from(`emulator-kms:${record.value}`).toString('base64')
      : record.value;
  return {
    Name: record.name,
    Type: record.type,
    Value: value,
    Version: record.version,
    ...(selector === undefined ? {} : { Selector: `:${selector}` }),
    LastModifiedDate: epochSeconds(record.lastModifiedDate),
    ARN: parameterArn(context, record.name),
    DataType: 'text',
  };
}

function selectorMatches(record: ParameterRecord, selector: string | undefined): boolean {
  return selector === undefined || selector === String(record.version);
}

const getParameter: JsonOperation = (input, context) => {
  const raw = requiredString(input, 'Name');
  const { name, selector } = parameterKeyName(context, raw);
  authorize(context, 'ssm:GetParameter', parameterArn(context, name));
  const record = lookupParameter(context, name);
  if (record === undefined)
    throw new AwsApiError('ParameterNotFound', `Parameter ${raw} not found.`, 400);
  if (!selectorMatches(record, selector)) {
    throw new AwsApiError(
      'ParameterVersionNotFound',
      `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
      400,
    );
  }
  return {
    Parameter: renderParameter(
      context,
      record,
      optionalBoolean(input, 'WithDecryption') ?? false,
      selector,
    ),
  };
};

const getParameters: JsonOperation = (input, context) => {
  const names = optionalStringArray(input, 'Names');
  if (names === undefined) {
    throw validationError(
      `1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (names.length < 1 || names.length > 10) {
    throw validationError(
      `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  }
  const withDecryption = optionalBoolean(input, 'WithDecryption') ?? false;
  const parameters: unknown[] = [];
  const invalid: string[] = [];
  for (const raw of [...new Set(names)]) {
    const { name, selector } = parameterKeyName(context, raw);
    authorize(context, 'ssm:GetParameters', parameterArn(context, name));
    const record = lookupParameter(context, name);
    if (record === undefined || !selectorMatches(record, selector)) invalid.push(raw);
    else parameters.push(renderParameter(context, record, withDecryption, selector));
  }
  return { Parameters: parameters, InvalidParameters: invalid };
};

const putParameter: JsonOperation = (input, context) => {
  const name = requiredString(input, 'Name');
  const value = requiredString(input, 'Value');
  if (!/^[\w./-]{1,2048}$/.test(name)) {
    throw validationError(
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`,
    );
  }
  const type = optionalString(input, 'Type');
  if (type !== undefined && type !== 'String' && type !== 'StringList' && type !== 'SecureString') {
    throw validationError(
      `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
    );
  }
  authorize(context, 'ssm:PutParameter', parameterArn(context, name));
  const overwrite = optionalBoolean(input, 'Overwrite') ?? false;
  const existing = lookupParameter(context, name);
  if (existing !== undefined && !overwrite) {
    throw new AwsApiError(
      'ParameterAlreadyExists',
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      400,
    );
  }
  const description = optionalString(input, 'Description') ?? existing?.description;
  const record: ParameterRecord = {
    name,
    type: type ?? existing?.type ?? 'String',
    value,
    version: (existing?.version ?? 0) + 1,
    lastModifiedDate: context.state.clock.now(),
    ...(description === undefined ? {} : { description }),
  };
  context.state.parameters.set(`${context.region}|${name}`, record);
  return { Version: record.version, Tier: 'Standard' };
};

/** Operations by name (the part after `AmazonSSM.`). */
export const ssmOperations: Record<string, JsonOperation> = {
  StartSession: startSession,
  ResumeSession: resumeSession,
  TerminateSession: terminateSession,
  DescribeSessions: describeSessions,
  DescribeInstanceInformation: describeInstanceInformation,
  GetParameter: getParameter,
  GetParameters: getParameters,
  PutParameter: putParameter,
};
