import { createLogger } from '../internal/logger.js';

/** Logger of session lifecycle (StartSession, reconnects, ends): `ssmkit:core:session`. @internal */
export const sessionLog = createLogger('ssmkit:core:session');

/**
 * The StreamUrl without its query string (which can carry presigned credentials), for logs and
 * error messages. @internal
 */
export function redactStreamUrl(url: string): string {
  const index = url.indexOf('?');
  return index < 0 ? url : `${url.slice(0, index)}?…`;
}
