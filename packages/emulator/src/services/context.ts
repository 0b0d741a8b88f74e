import type { EmulatorState, Identity } from '../state.js';
import { AwsApiError } from '../server/aws-error.js';
import type { ProtocolFamily } from '../server/aws-error.js';
import type { XmlObject } from '../server/xml.js';
import type { QueryParams } from '../server/query-params.js';

/** Everything a service handler may use about the current request. */
export interface RequestContext {
  state: EmulatorState;
  identity: Identity;
  /** Region from the SigV4 credential scope. */
  region: string;
  requestId: string;
  family: ProtocolFamily;
  /** `host:port` the client reached us on (for StreamUrl). */
  publicHost: string;
}

/** A JSON-protocol operation: parsed body in, response object out (throws AwsApiError). */
export type JsonOperation = (input: Record<string, unknown>, context: RequestContext) => unknown;

/** A Query-protocol operation: form params in, the `<…Result>` content out. */
export type QueryOperation = (params: QueryParams, context: RequestContext) => XmlObject;

/** Epoch seconds as AWS JSON timestamps are sent. */
export function epochSeconds(epochMs: number): number {
  return epochMs / 1000;
}

export function isVisibleIn(resource: { region?: string | undefined }, region: string): boolean {
  return resource.region === undefined || resource.region === region;
}

/** `ValidationException`-style "1 validation error detected" for JSON services. */
export function validationError(message: string, code = 'ValidationException'): AwsApiError {
  return new AwsApiError(code, message, 400);
}

// ---- input readers for JSON bodies (the SDK does not validate; AWS does) -----------------------

export function optionalString(
  input: Record<string, unknown>,
  key: string,
  code = 'ValidationException',
): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw validationError(
      `1 validation error detected: Value at '${lowerFirst(key)}' failed to satisfy constraint: Member must be a string`,
      code,
    );
  }
  return value;
}

export function requiredString(
  input: Record<string, unknown>,
  key: string,
  code = 'ValidationException',
): string {
  const value = optionalString(input, key, code);
  if (value === undefined) {
    throw validationError(
      `1 validation error detected: Value null at '${lowerFirst(key)}' failed to satisfy constraint: Member must not be null`,
      code,
    );
  }
  return value;
}

export function optionalNumber(
  input: Record<string, unknown>,
  key: string,
  code = 'ValidationException',
): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validationError(
      `1 validation error detected: Value at '${lowerFirst(key)}' failed to satisfy constraint: Member must be a number`,
      code,
    );
  }
  return value;
}

export function optionalBoolean(input: Record<string, unknown>, key: string): boolean | undefined {
  const value = input[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function optionalArray(
  input: Record<string, unknown>,
  key: string,
  code = 'ValidationException',
): unknown[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw validationError(
      `1 validation error detected: Value at '${lowerFirst(key)}' failed to satisfy constraint: Member must be a list`,
      code,
    );
  }
  return value as unknown[];
}

export function optionalStringArray(
  input: Record<string, unknown>,
  key: string,
  code = 'ValidationException',
): string[] | undefined {
  const value = optionalArray(input, key, code);
  if (value === undefined) return undefined;
  if (!value.every((item): item is string => typeof item === 'string')) {
    throw validationError(
      `1 validation error detected: Value at '${lowerFirst(key)}' failed to satisfy constraint: Member must be a list of strings`,
      code,
    );
  }
  return value;
}

/** A string member of a loosely-typed structure, or `''` when absent or not a string. */
export function stringField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Opaque pagination: NextToken is the base64 of the next offset. */
export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  code = 'InvalidNextToken',
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = Number(
      Buffer.from(nextToken, 'base64')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new AwsApiError(code, 'The specified token is not valid.', 400);
    offset = decoded;
  }
  const size = maxResults ?? items.length;
  const page = items.slice(offset, offset + size);
  const next =
    offset + size < items.length
      ? Buffer.from(`offset:${offset + size}`).toString('base64')
      : undefined;
  return next === undefined ? { page } : { page, nextToken: next };
}

/** Simple `*`/`?` glob match (IAM action/resource patterns). */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseInsensitive ? 'i' : '',
  );
  return regex.test(value);
}

export type { QueryParams };
