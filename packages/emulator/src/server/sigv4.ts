/**
 * SigV4 verification: recompute the signature of an incoming request with the secret of the
 * access key it claims, exactly as the SDK computed it (same canonical request via
 * `@smithy/signature-v4`), and compare.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AcceptedCredential } from '../state.js';
import { authErrors } from './aws-error.js';
import type { AwsApiError, ProtocolFamily } from './aws-error.js';

/** Maximum clock skew AWS tolerates between `X-Amz-Date` and its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

export interface SignedRequest {
  method: string;
  /** Raw request target (`/path?query`), as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array | undefined;
}

export interface VerifiedSignature {
  credential: AcceptedCredential;
  region: string;
  service: string;
}

export interface VerifyOptions {
  family: ProtocolFamily;
  /** Expected signing name (`ssm`, `sts`, …); a request scoped to another service is rejected. */
  service: string;
  lookup(accessKeyId: string): AcceptedCredential | undefined;
  /** Epoch ms used for credential expiry. */
  now: number;
  /** Epoch ms of the real wall clock, used for the request-time skew check. */
  wallClockNow: number;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(value: string): ParsedAuthorization | string {
  const prefix = 'AWS4-HMAC-SHA256 ';
  if (!value.startsWith(prefix)) {
    return `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header and the AWS4-HMAC-SHA256 algorithm.`;
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const index = part.indexOf('=');
    if (index > 0) fields.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const missing = [
    credential === undefined ? 'Credential' : undefined,
    signedHeaders === undefined ? 'SignedHeaders' : undefined,
    signature === undefined ? 'Signature' : undefined,
  ].filter((name) => name !== undefined);
  if (
    missing.length > 0 ||
    credential === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    return `Authorization header requires '${missing.join("', '")}' parameter(s).`;
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    return `Credential should be scoped to a valid region. `;
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(';').filter((name) => name !== ''),
    signature,
  };
}

/** `20261124T120000Z` → Date. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  return new Date(Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second!));
}

/**
 * Verifies the request. Returns the credential and signing scope, or the AWS error to send
 * (named for the protocol family: `UnrecognizedClientException` vs `InvalidClientTokenId`, …).
 */
export async function verifySignature(
  request: SignedRequest,
  options: VerifyOptions,
): Promise<VerifiedSignature | AwsApiError> {
  const { family } = options;
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined || authorization === '')
    return authErrors.missingAuthentication(family);
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === 'string') return authErrors.incompleteSignature(family, parsed);

  const credential = options.lookup(parsed.accessKeyId);
  if (credential === undefined) return authErrors.unknownAccessKey(family);

  const sentToken = header(request.headers, 'x-amz-security-token');
  if (credential.sessionToken !== undefined || sentToken !== undefined) {
    if (sentToken !== credential.sessionToken) return authErrors.unknownAccessKey(family);
  }
  if (credential.expiresAt !== undefined && credential.expiresAt <= options.now) {
    return authErrors.expiredToken(family);
  }

  const amzDate = header(request.headers, 'x-amz-date');
  const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signingDate === undefined) {
    return authErrors.incompleteSignature(
      family,
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`,
    );
  }
  if (!amzDate.startsWith(parsed.date)) {
    return authErrors.badSignature(
      family,
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (Math.abs(signingDate.getTime() - options.wallClockNow) > MAX_CLOCK_SKEW_MS) {
    const formatted = new Date(options.wallClockNow)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    return authErrors.badSignature(
      family,
      `Signature expired: ${amzDate} is now earlier than ${formatted} (${formatted} - 15 min.)`,
    );
  }
  if (parsed.service !== options.service) {
    return authErrors.badSignature(
      family,
      `Credential should be scoped to correct service: '${options.service}'. `,
    );
  }

  // Body hash: if the client sent x-amz-content-sha256 it must match the body we received.
  const contentSha = header(request.headers, 'x-amz-content-sha256');
  if (contentSha !== undefined && contentSha !== 'UNSIGNED-PAYLOAD') {
    const actual = createHash('sha256')
      .update(request.body ?? new Uint8Array())
      .digest('hex');
    if (actual !== contentSha) {
      return authErrors.badSignature(
        family,
        'The provided x-amz-content-sha256 header does not match what was computed.',
      );
    }
  }

  const url = new URL(request.url, 'http://emulator.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else query[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const value = header(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const hostHeader = headers.host ?? '';
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
    },
    region: parsed.region,
    service: parsed.service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostHeader.replace(/:\d+$/, ''),
      path: decodeURIComponent(url.pathname),
      query,
      headers,
      body: request.body,
    },
    {
      signingDate,
      signingRegion: parsed.region,
      signingService: parsed.service,
      signableHeaders: new Set(parsed.signedHeaders),
    },
  );
  const expected =
    /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const expectedBytes = Buffer.from(expected, 'utf8');
  const actualBytes = Buffer.from(parsed.signature, 'utf8');
  if (expectedBytes.length !== actualBytes.length || !timingSafeEqual(expectedBytes, actualBytes)) {
    return authErrors.badSignature(family);
  }
  return { credential, region: parsed.region, service: parsed.service };
}
