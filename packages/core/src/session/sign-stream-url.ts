import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsContext } from '../aws/aws-context.js';
import { sessionLog } from './session-log.js';

const PRESIGNED_PARAMETERS = [
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
];

/**
 * SigV4 headers (service `ssmmessages`) for the WebSocket upgrade to `streamUrl`, like the 2025+
 * plugin (spec §2 step 1): none when the URL is already presigned, and none (logged) when
 * signing fails — the token in the open frame is what authenticates the channel.
 * @internal
 */
export async function signStreamUrl(
  context: AwsContext,
  streamUrl: string,
): Promise<Record<string, string>> {
  let url: URL;
  try {
    url = new URL(streamUrl);
  } catch {
    return {};
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (PRESIGNED_PARAMETERS.includes(key.toLowerCase())) return {};
    query[key] = value;
  }
  try {
    const signer = new SignatureV4({
      credentials: context.credentials,
      region: context.region,
      service: 'ssmmessages',
      sha256: Sha256,
    });
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    const signed = await signer.sign({
      method: 'GET',
      protocol: secure ? 'https:' : 'http:',
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { host: url.host },
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== 'host') headers[name] = String(value);
    }
    return headers;
  } catch (error) {
    sessionLog.error(
      'could not SigV4-sign the WebSocket upgrade (continuing unsigned): %s',
      (error as { code?: string; name?: string }).code ?? (error as Error).name,
    );
    return {};
  }
}
