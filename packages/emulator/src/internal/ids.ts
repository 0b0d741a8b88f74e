import { randomBytes, randomUUID } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `count` random characters from `alphabet` (uniform enough for ids; alphabet ≤ 256). */
export function randomString(count: number, alphabet: string): string {
  const bytes = randomBytes(count);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export function randomHex(count: number): string {
  return randomBytes(Math.ceil(count / 2))
    .toString('hex')
    .slice(0, count);
}

/** An `ASIA…` temporary access key id (20 chars, like STS issues). */
export function newTemporaryAccessKeyId(): string {
  return `ASIA${randomString(16, UPPER_ALNUM)}`;
}

/** A 40-character secret access key. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64').replace(/[+/]/g, 'A').slice(0, 40);
}

/** An opaque session token (STS tokens are long base64 blobs). */
export function newSessionToken(): string {
  return `IQoJb3JpZ2luX2VtdWxhdG9y${randomBytes(96).toString('base64')}`;
}

/** An opaque data-channel TokenValue. */
export function newStreamToken(): string {
  return randomBytes(96).toString('base64');
}

export function newRequestId(): string {
  return randomUUID();
}

export { randomUUID };
