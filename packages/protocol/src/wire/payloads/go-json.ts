/**
 * Internal JSON helpers shared by the payload codecs. Not re-exported from the package.
 *
 * Encoding reproduces Go's `encoding/json` byte for byte (the official client and agent are Go):
 * keys in struct-field order (the caller builds objects in that order), map keys sorted, and the
 * HTML-safe escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`-style sequences.
 * Decoding parses, validates with zod and turns every failure into a {@link ProtocolError}
 * `INVALID_PAYLOAD` that names the payload kind and the offending field path, never a value.
 *
 * @internal
 */
import * as z from 'zod/v4';
import { ProtocolError, ProtocolErrorCode } from '../../errors/index.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

const GO_ESCAPES = /[<>&\u2028\u2029]/g;

/** `JSON.stringify` with Go's HTML-safe escaping. Structural characters never match, so only strings change. */
export function _goJsonStringify(value: unknown): string {
  return JSON.stringify(value).replace(
    GO_ESCAPES,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** UTF-8 bytes of {@link _goJsonStringify}. */
export function _goJsonBytes(value: unknown): Uint8Array {
  return textEncoder.encode(_goJsonStringify(value));
}

/** Go sorts map keys by their UTF-8 bytes; compare that way rather than by UTF-16 units. */
function compareGoKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Deep copy with every plain object's keys sorted the way Go marshals a `map[string]interface{}`.
 * Arrays keep their order.
 */
export function _sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(_sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareGoKeys)) {
      // defineProperty, so a "__proto__" key from parsed JSON stays an own data property.
      Object.defineProperty(out, key, {
        value: _sortKeysDeep((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** Formats a zod path as `RequestedClientActions[0].ActionParameters.SessionType`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Parses `input` as JSON and validates it with `schema`. Throws `INVALID_PAYLOAD` naming `kind`
 * and the first bad field. Messages never contain input values (payloads may carry tokens), and
 * no `cause` is attached for the same reason.
 */
export function _parseJsonPayload<Schema extends z.ZodType>(
  kind: string,
  input: Uint8Array | string,
  schema: Schema,
): z.output<Schema> {
  let text: string;
  try {
    text = typeof input === 'string' ? input : textDecoder.decode(input);
  } catch {
    throw new ProtocolError(ProtocolErrorCode.INVALID_PAYLOAD, `${kind} payload is not text`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_PAYLOAD,
      `${kind} payload is not valid JSON (${text.length} characters)`,
    );
  }
  return _validateJson(kind, json, schema);
}

/**
 * Validates an already parsed JSON value (e.g. a nested `ActionParameters`). `path` is prefixed
 * to the reported field path.
 */
export function _validateJson<Schema extends z.ZodType>(
  kind: string,
  json: unknown,
  schema: Schema,
  path: readonly PropertyKey[] = [],
): z.output<Schema> {
  let result: z.ZodSafeParseResult<z.output<Schema>>;
  try {
    result = schema.safeParse(json);
  } catch {
    // e.g. a stack overflow on absurdly nested input: still a payload error, never a crash.
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_PAYLOAD,
      `${kind} payload could not be validated`,
    );
  }
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = formatPath([...path, ...(issue?.path ?? [])]);
    const what = issue === undefined ? 'is invalid' : issue.message;
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_PAYLOAD,
      `${kind} payload has an invalid field ${where}: ${what}`,
    );
  }
  return result.data;
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 (Go's `[]byte` JSON form). */
export function _toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** True when `text` is canonical padded standard base64, which Go's decoder requires. */
export function _isBase64(text: string): boolean {
  return BASE64_PATTERN.test(text);
}

/** Decodes standard base64 already checked with {@link _isBase64}. */
export function _fromBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Zod pieces mirroring Go's zero-value tolerance: a missing or `null` field decodes as its zero value. */
export const _go = {
  /** Go `string`: absent or `null` → `''`. */
  string: (): z.ZodType<string> =>
    z
      .string()
      .nullish()
      .transform((value) => value ?? ''),
  /** Go `bool`: absent or `null` → `false`. */
  bool: (): z.ZodType<boolean> =>
    z
      .boolean()
      .nullish()
      .transform((value) => value ?? false),
  /** Go integer (int/int64): absent or `null` → 0; must be a safe integer in `[min, max]`. */
  int: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): z.ZodType<number> =>
    z
      .number()
      .int()
      .min(min)
      .max(max)
      .nullish()
      .transform((value) => value ?? 0),
};
