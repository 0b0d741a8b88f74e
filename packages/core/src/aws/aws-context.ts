import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod/v4';
import { AwsError } from '../errors/aws-error.js';
import { ConfigError } from '../errors/config-error.js';
import { callAws, describeSdkError, toAwsError } from '../internal/call-aws.js';
import { systemClock, type Clock } from '../clock.js';
import { awsLog } from '../internal/logger.js';
import { parseOptions } from '../internal/parse-options.js';
import { PACKAGE_VERSION } from '../internal/version.js';
import type { AwsCredentialProvider, AwsCredentials } from './credentials.js';
import { memoizeCredentials } from './memoize-credentials.js';
import { loadSdk } from './sdk.js';

/**
 * The SDK clients an {@link AwsContext} shares between every lookup, by the name
 * {@link AwsContext.client} takes.
 */
export interface AwsClients {
  ssm: SSMClient;
  ec2: EC2Client;
  ecs: ECSClient;
  rds: RDSClient;
  sts: STSClient;
  secretsManager: SecretsManagerClient;
}

/** MFA settings for assume-role (and for profiles with `mfa_serial`). */
export interface MfaOptions {
  /** The MFA device ARN or serial number, e.g. `arn:aws:iam::123456789012:mfa/alice`. */
  serial: string;
  /**
   * A one-time code (6 digits). Used once: the assumed-role session then lasts
   * `durationSeconds`; pass `codeProvider` instead for tunnels that must outlive it.
   */
  code?: string;
  /** Called for a fresh code on the first AssumeRole and on every refresh (receives the serial). */
  codeProvider?: (serial: string) => string | Promise<string>;
}

/** Options of {@link createAwsContext}. Every field is optional. */
export interface AwsContextOptions {
  /**
   * AWS region, e.g. `eu-west-1`.
   * Default: AWS_REGION, then the profile's `region`, then AWS_DEFAULT_REGION.
   */
  region?: string;
  /** Shared config/credentials profile. Default: AWS_PROFILE, then `default`. */
  profile?: string;
  /**
   * Credentials, or a provider shaped like the SDK's (e.g. `fromSSO({ profile })`).
   * Default: the SDK's default chain — environment, shared files (`profile`), SSO,
   * `credential_process`, web identity, container and instance metadata.
   */
  credentials?: AwsCredentialProvider | AwsCredentials;
  /**
   * One endpoint URL for every AWS API (STS, SSM, EC2, ECS, RDS, Secrets Manager), e.g. the
   * emulator's `http://127.0.0.1:4599`. Default: the SDK's own AWS_ENDPOINT_URL /
   * AWS_ENDPOINT_URL_<SERVICE> / `endpoint_url` settings, else the real AWS endpoints.
   */
  endpoint?: string;
  /** Role to assume on top of the base credentials (STS AssumeRole). */
  roleArn?: string;
  /** RoleSessionName for AssumeRole. Default: `ssmkit-<epoch ms>`. */
  roleSessionName?: string;
  /** ExternalId for AssumeRole, when the role's trust policy requires one. */
  externalId?: string;
  /** Assumed-role session length in seconds (900–43 200). Default: the role's default (1 hour). */
  durationSeconds?: number;
  /** MFA for AssumeRole: the device serial and a code or a code provider. */
  mfa?: MfaOptions;
  /** Refresh expiring credentials this long before expiry, in ms. Default `300_000`. */
  refreshBeforeExpiryMs?: number;
  /** Extra User-Agent product appended to ssmkit's, e.g. `my-tool/1.2.0`. */
  userAgent?: string;
  /** SDK retry attempts per call. Default: the SDK's (3, or AWS_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /**
   * Pre-built SDK clients to use instead of creating them (their own region/credentials apply).
   * For tests and for callers that already hold configured clients. Not destroyed by `destroy()`.
   */
  clients?: Partial<AwsClients>;
  /** Time source for credential expiry and waits. For tests. Default: the system clock. */
  clock?: Clock;
}

/** Who the credentials belong to (STS GetCallerIdentity). */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/**
 * Region, credentials and lazily created, shared SDK clients: what every lookup in
 * `@ssmkit/core` takes as its first argument. Create one per tunnel (or per process) with
 * {@link createAwsContext} and call `destroy()` when done.
 *
 * Only the SSM client's package is loaded with `@ssmkit/core` (every tunnel needs it); the
 * EC2, ECS, RDS, Secrets Manager and STS packages are imported the first time
 * {@link AwsContext.client} asks for them, so a tunnel to an instance id never loads them.
 */
export interface AwsContext {
  /**
   * The SSM client (StartSession, ResumeSession, TerminateSession, GetParameter, …), created on
   * first use. Same as `await client('ssm')`.
   * @throws {@link ConfigError} `ERR_CONFIG_CONTEXT_DESTROYED` after `destroy()`.
   */
  readonly ssm: SSMClient;
  /**
   * The shared SDK client `name` (`ssm`, `ec2`, `ecs`, `rds`, `sts`, `secretsManager`):
   * the injected one from the `clients` option, else one created on first use after importing
   * its `@aws-sdk/client-*` package. Concurrent calls get the same client.
   *
   * @throws {@link ConfigError} `ERR_CONFIG_CONTEXT_DESTROYED` (rejected) after `destroy()`.
   * @example
   * ```ts
   * const { DescribeVpcsCommand } = await import('@aws-sdk/client-ec2');
   * const ec2 = await aws.client('ec2');
   * const { Vpcs } = await ec2.send(new DescribeVpcsCommand({}));
   * ```
   */
  client<K extends keyof AwsClients>(name: K): Promise<AwsClients[K]>;
  /** The resolved region. */
  readonly region: string;
  /** The endpoint override from the options, if any. */
  readonly endpoint: string | undefined;
  /** The profile from the options, if any. */
  readonly profile: string | undefined;
  /** Memoized, refreshing credential provider used by every client (after assume-role). */
  readonly credentials: AwsCredentialProvider;
  /** The clock used for waits and expiry. */
  readonly clock: Clock;
  /** STS GetCallerIdentity, memoized. Also a cheap way to check the credentials work. */
  callerIdentity(): Promise<CallerIdentity>;
  /** Destroy the SDK clients this context created (closes their sockets). Idempotent. */
  destroy(): void;
}

const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'expected a function',
);

const awsContextOptionsSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, 'expected an AWS region such as `eu-west-1`')
      .optional(),
    profile: z.string().min(1).optional(),
    credentials: z
      .union([
        functionSchema,
        z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).loose(),
      ])
      .optional(),
    endpoint: z
      .url({
        protocol: /^https?$/,
        error: 'expected an http(s) URL such as `http://127.0.0.1:4599`',
      })
      .optional(),
    roleArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
        'expected a role ARN such as `arn:aws:iam::123456789012:role/admin`',
      )
      .optional(),
    roleSessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, 'expected 2–64 characters of [A-Za-z0-9_+=,.@-]')
      .optional(),
    externalId: z.string().min(2).max(1224).optional(),
    durationSeconds: z.int().min(900).max(43_200).optional(),
    mfa: z
      .object({
        serial: z.string().min(9).max(256),
        code: z
          .string()
          .regex(/^\d{6}$/, 'expected a 6-digit code')
          .optional(),
        codeProvider: functionSchema.optional(),
      })
      .strict()
      .refine((mfa) => mfa.code !== undefined || mfa.codeProvider !== undefined, {
        message: 'pass `code` or `codeProvider`',
      })
      .optional(),
    refreshBeforeExpiryMs: z.int().min(0).optional(),
    userAgent: z.string().min(1).max(200).optional(),
    maxAttempts: z.int().min(1).max(20).optional(),
    clients: z.record(z.string(), z.unknown()).optional(),
    clock: z
      .custom<Clock>(
        (value) => typeof value === 'object' && value !== null && 'now' in value,
        'expected a Clock ({ now, setTimeout, clearTimeout })',
      )
      .optional(),
  })
  .strict();

/**
 * Resolve the region and build the credential chain (SDK default chain, then optional
 * assume-role with MFA), returning a context whose SDK clients are created on first use.
 *
 * Credentials are resolved lazily — on the first AWS call, or `await context.credentials()`
 * / `context.callerIdentity()` to check them early. Failures are {@link AwsError}s
 * (`ERR_AWS_CREDENTIALS`, `ERR_AWS_ASSUME_ROLE`, `ERR_AWS_MFA`).
 *
 * @throws {@link ConfigError} `ERR_CONFIG_MISSING_REGION` when no region can be found,
 * `ERR_CONFIG_INVALID_OPTION` for invalid options.
 *
 * @example
 * ```ts
 * const aws = await createAwsContext({ profile: 'prod', roleArn, mfa: { serial, codeProvider: ask } });
 * const { arn } = await aws.callerIdentity();
 * aws.destroy();
 * ```
 */
export async function createAwsContext(options: AwsContextOptions = {}): Promise<AwsContext> {
  parseOptions(awsContextOptionsSchema, options, 'createAwsContext');
  const clock = options.clock ?? systemClock;
  const region = await resolveRegion(options);
  const endpoint = options.endpoint;
  const customUserAgent: ([string, string] | [string])[] = [['ssmkit-core', PACKAGE_VERSION]];
  if (options.userAgent !== undefined) customUserAgent.push([options.userAgent]);
  const endpointConfig = endpoint === undefined ? {} : { endpoint };

  const mfaCodeProvider = options.mfa ? createMfaCodeProvider(options.mfa) : undefined;
  const baseProvider = await createBaseProvider(options, region, endpointConfig, mfaCodeProvider);
  let provider: AwsCredentialProvider = baseProvider;
  if (options.roleArn !== undefined) {
    provider = await createAssumeRoleProvider(
      options,
      options.roleArn,
      baseProvider,
      { region, ...endpointConfig, customUserAgent },
      mfaCodeProvider,
    );
  }
  const credentials = memoizeCredentials(provider, {
    clock,
    ...(options.refreshBeforeExpiryMs === undefined
      ? {}
      : { refreshBeforeExpiryMs: options.refreshBeforeExpiryMs }),
  });

  const clientConfig = {
    region,
    credentials,
    customUserAgent,
    ...endpointConfig,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
  // Each loader imports its client's package (all but SSM's on first use: EC2's alone costs
  // ≈ 75 MB of RSS) and returns a factory that creates the client synchronously.
  const loaders: { [K in keyof AwsClients]: () => Promise<() => AwsClients[K]> } = {
    ssm: async () => () => new SSMClient(clientConfig),
    ec2: async () => {
      const { EC2Client } = await loadSdk('ec2');
      return () => new EC2Client(clientConfig);
    },
    ecs: async () => {
      const { ECSClient } = await loadSdk('ecs');
      return () => new ECSClient(clientConfig);
    },
    rds: async () => {
      const { RDSClient } = await loadSdk('rds');
      return () => new RDSClient(clientConfig);
    },
    sts: async () => {
      const { STSClient } = await loadSdk('sts');
      return () => new STSClient(clientConfig);
    },
    secretsManager: async () => {
      const { SecretsManagerClient } = await loadSdk('secretsManager');
      return () => new SecretsManagerClient(clientConfig);
    },
  };
  const injected: Partial<AwsClients> = options.clients ?? {};
  const created: Partial<AwsClients> = {};
  let destroyed = false;
  const assertNotDestroyed = (): void => {
    if (destroyed) {
      throw new ConfigError(
        'ERR_CONFIG_CONTEXT_DESTROYED',
        'This AwsContext was destroyed; create a new one with createAwsContext().',
      );
    }
  };
  const ssmClient = (): SSMClient => {
    const existing = injected.ssm ?? created.ssm;
    if (existing !== undefined) return existing;
    assertNotDestroyed();
    return (created.ssm = new SSMClient(clientConfig));
  };
  const client = async <K extends keyof AwsClients>(name: K): Promise<AwsClients[K]> => {
    const existing = injected[name] ?? created[name];
    if (existing !== undefined) return existing;
    assertNotDestroyed();
    const create = await loaders[name]();
    // Checked again after the import: a concurrent call may have created it, or destroy() run.
    const raced = created[name];
    if (raced !== undefined) return raced;
    assertNotDestroyed();
    const fresh = create();
    created[name] = fresh;
    return fresh;
  };

  let identity: Promise<CallerIdentity> | undefined;
  awsLog(
    'context region=%s profile=%s endpoint=%s role=%s mfa=%s',
    region,
    options.profile ?? '(default)',
    endpoint ?? '(sdk default)',
    options.roleArn ?? '(none)',
    options.mfa ? 'yes' : 'no',
  );

  return {
    region,
    endpoint,
    profile: options.profile,
    credentials,
    clock,
    get ssm() {
      return ssmClient();
    },
    client,
    callerIdentity() {
      identity ??= callAws('sts:GetCallerIdentity', async () => {
        const { GetCallerIdentityCommand } = await loadSdk('sts');
        const sts = await client('sts');
        return sts.send(new GetCallerIdentityCommand({}));
      }).then(
        (output) => ({
          account: output.Account ?? '',
          arn: output.Arn ?? '',
          userId: output.UserId ?? '',
        }),
        (error: unknown) => {
          identity = undefined;
          throw error;
        },
      );
      return identity;
    },
    destroy() {
      destroyed = true;
      for (const name of Object.keys(created) as (keyof AwsClients)[]) {
        created[name]?.destroy();
        delete created[name];
      }
    },
  };
}

async function resolveRegion(options: AwsContextOptions): Promise<string> {
  if (options.region !== undefined) return options.region;
  const fromClient = Object.values(options.clients ?? {})[0];
  // The SSM client's package is loaded anyway; its config resolves the region like any client's.
  const probe =
    fromClient ?? new SSMClient(options.profile === undefined ? {} : { profile: options.profile });
  try {
    const region = await probe.config.region();
    if (region) return region;
  } catch {
    // fall through to AWS_DEFAULT_REGION and the error below
  } finally {
    if (fromClient === undefined) probe.destroy();
  }
  const fallback = process.env.AWS_DEFAULT_REGION;
  if (fallback) return fallback;
  const profile = options.profile ?? process.env.AWS_PROFILE ?? 'default';
  throw new ConfigError(
    'ERR_CONFIG_MISSING_REGION',
    `AWS region is missing. Pass \`region\` (e.g. 'eu-west-1'), set AWS_REGION, or set \`region\` in profile '${profile}' of ${process.env.AWS_CONFIG_FILE ?? '~/.aws/config'}.`,
    { options: ['region'] },
  );
}

type MfaCodeProvider = (serial: string) => Promise<string>;

function createMfaCodeProvider(mfa: MfaOptions): MfaCodeProvider {
  let staticCodeUsed = false;
  return async (serial) => {
    let code: string;
    if (mfa.codeProvider !== undefined) {
      try {
        code = String(await mfa.codeProvider(serial)).trim();
      } catch (error) {
        throw new AwsError('ERR_AWS_MFA', `The MFA code provider failed for device ${serial}.`, {
          operation: 'sts:AssumeRole',
          cause: error,
        });
      }
    } else {
      if (staticCodeUsed) {
        throw new AwsError(
          'ERR_AWS_MFA',
          `The MFA code in \`mfa.code\` was already used and one-time codes cannot be reused to refresh credentials. Pass \`mfa.codeProvider\` for sessions longer than \`durationSeconds\`.`,
          { operation: 'sts:AssumeRole' },
        );
      }
      staticCodeUsed = true;
      code = mfa.code ?? '';
    }
    if (!/^\d{6}$/.test(code)) {
      throw new AwsError(
        'ERR_AWS_MFA',
        `The MFA code for device ${serial} must be 6 digits; the code provider returned something else.`,
        { operation: 'sts:AssumeRole' },
      );
    }
    return code;
  };
}

function describeCredentialSources(options: AwsContextOptions): string {
  const profile = options.profile ?? process.env.AWS_PROFILE;
  return [
    profile === undefined
      ? 'environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)'
      : undefined,
    `profile '${profile ?? 'default'}' in ${process.env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'} and ${process.env.AWS_CONFIG_FILE ?? '~/.aws/config'} (keys, SSO, credential_process, role_arn)`,
    'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)',
    'container credentials (AWS_CONTAINER_CREDENTIALS_*)',
    'EC2 instance metadata',
  ]
    .filter((source) => source !== undefined)
    .join(', ');
}

async function createBaseProvider(
  options: AwsContextOptions,
  region: string,
  endpointConfig: { endpoint?: string },
  mfaCodeProvider: MfaCodeProvider | undefined,
): Promise<AwsCredentialProvider> {
  const given = options.credentials;
  let source: AwsCredentialProvider;
  if (typeof given === 'function') source = given;
  else if (given !== undefined) source = async () => given;
  else {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    source = fromNodeProviderChain({
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      clientConfig: { region, ...endpointConfig },
      ...(mfaCodeProvider === undefined ? {} : { mfaCodeProvider }),
    });
  }
  return async () => {
    try {
      return await source();
    } catch (error) {
      const translated = toAwsError(error, 'credentials');
      if (AwsError.isInstance(translated) && translated.code !== 'ERR_AWS_CREDENTIALS') {
        throw translated;
      }
      const sdk = describeSdkError(error);
      throw new AwsError(
        'ERR_AWS_CREDENTIALS',
        `No AWS credentials found (${sdk.message}). Tried: ${describeCredentialSources(options)}. ` +
          'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass `profile` (run `aws sso login --profile <name>` for SSO profiles), or pass `credentials`.',
        { operation: 'credentials', awsErrorName: sdk.name, cause: error },
      );
    }
  };
}

async function createAssumeRoleProvider(
  options: AwsContextOptions,
  roleArn: string,
  masterCredentials: AwsCredentialProvider,
  clientConfig: Record<string, unknown>,
  mfaCodeProvider: MfaCodeProvider | undefined,
): Promise<AwsCredentialProvider> {
  const serial = options.mfa?.serial;
  const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: roleArn,
      RoleSessionName: options.roleSessionName ?? `ssmkit-${Date.now()}`,
      ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
      ...(options.durationSeconds === undefined
        ? {}
        : { DurationSeconds: options.durationSeconds }),
      ...(serial === undefined ? {} : { SerialNumber: serial }),
    },
    masterCredentials,
    clientConfig,
    ...(mfaCodeProvider === undefined ? {} : { mfaCodeProvider }),
  });
  return async () => {
    try {
      const credentials = await provider();
      awsLog('assumed role %s', roleArn);
      return credentials;
    } catch (error) {
      if (AwsError.isInstance(error)) throw error;
      const translated = toAwsError(error, 'sts:AssumeRole');
      if (!AwsError.isInstance(translated)) throw translated;
      if (
        translated.code !== 'ERR_AWS_ACCESS_DENIED' &&
        translated.code !== 'ERR_AWS_REQUEST_FAILED'
      ) {
        throw translated;
      }
      const sdk = describeSdkError(error);
      const details = {
        operation: 'sts:AssumeRole',
        awsErrorName: sdk.name,
        requestId: sdk.requestId,
        httpStatusCode: sdk.httpStatusCode,
        cause: error,
      };
      if (/multi.?factor|one.time pass|token.?code/i.test(sdk.message)) {
        throw new AwsError(
          'ERR_AWS_MFA',
          serial === undefined
            ? `Role ${roleArn} requires MFA (${sdk.message}). Pass \`mfa: { serial, code }\` or \`mfa: { serial, codeProvider }\`.`
            : `MFA failed assuming ${roleArn} with device ${serial} (${sdk.message}). Check the device serial and enter a fresh code.`,
          details,
        );
      }
      throw new AwsError(
        'ERR_AWS_ASSUME_ROLE',
        `Could not assume role ${roleArn} (${sdk.name}: ${sdk.message}). Check that the role exists, that its trust policy allows your identity${options.externalId === undefined ? '' : ' with this ExternalId'}, and that you may call sts:AssumeRole on it` +
          (serial === undefined ? '; if the role requires MFA, pass `mfa`.' : '.'),
        details,
      );
    }
  };
}
