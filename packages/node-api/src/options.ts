import type {
  AwsContext,
  AwsContextOptions,
  AwsCredentialProvider,
  AwsCredentials,
  MfaOptions,
  ReconnectPolicy,
  ResolvedTarget,
  TargetSpec,
  TunnelEvent,
} from '@ssmkit/core';
import * as z from 'zod/v4';
import type { TunnelLogger } from './logger.js';
import { invalidOption, validate } from './internal/validate.js';

/**
 * Where the AWS calls go and as whom. Shared by every entry point. The AWS SDK reads its own
 * environment for anything not given here: `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_PROFILE`,
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL`, SSO,
 * web identity (GitHub Actions OIDC), container and instance credentials.
 */
export interface AwsOptions {
  /**
   * AWS region, e.g. `eu-west-1`.
   * @default `AWS_REGION`, then the profile's `region`, then `AWS_DEFAULT_REGION` (read by the SDK)
   */
  region?: string;
  /**
   * Shared config/credentials profile (keys, SSO, `credential_process`, `role_arn`).
   * @default `AWS_PROFILE`, then `default` (read by the SDK)
   */
  profile?: string;
  /** Role to assume on top of the base credentials (STS AssumeRole). @default none */
  roleArn?: string;
  /**
   * MFA for `roleArn` (or a profile with `mfa_serial`): the device serial and a 6-digit `code`,
   * or a `codeProvider` called for a fresh code on every refresh. @default none
   */
  mfa?: MfaOptions;
  /**
   * One endpoint URL for every AWS API (STS, SSM, EC2, ECS, RDS, Secrets Manager), e.g. a VPC
   * endpoint or the emulator's `http://127.0.0.1:4599`.
   * @default `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` (read by the SDK), else AWS
   */
  endpoint?: string;
  /**
   * Credentials or a provider shaped like the SDK's (e.g. `fromSSO({ profile })`).
   * @default the SDK's default chain (environment, profile, SSO, web identity, container, IMDS)
   */
  credentials?: AwsCredentials | AwsCredentialProvider;
  /**
   * A context from `createAwsContext()` to share credentials and SDK clients with other tunnels
   * or lookups. Yours: `close()` does not destroy it. Exclusive with the options above.
   * @default a context created from the options above and destroyed by `close()`
   */
  context?: AwsContext;
}

/**
 * Options of {@link openTunnel}. Only `port` is required. Environment fallbacks: `region`,
 * `profile`, `endpoint` and `credentials` (read by the AWS SDK, see {@link AwsOptions}) and
 * `target` (`SSMKIT_TARGET`); no other option reads the environment.
 */
export interface OpenTunnelOptions extends AwsOptions {
  /**
   * Destination host as seen from the bastion: an RDS/Aurora endpoint, any VPC address.
   * Omit it to reach `port` on the bastion itself (`AWS-StartPortForwardingSession`).
   * @default none (the bastion itself)
   */
  host?: string;
  /** Destination TCP port, 1–65 535. Required. */
  port: number;
  /**
   * The bastion (Session Manager target): `'i-…'`, `'mi-…'`, `'ecs:…'`, `{ tag: { Name } }`,
   * `{ name }`, `{ parameter: '/ssm/param' }`, `{ ecs: { cluster, service } }`,
   * `{ ephemeral: { cluster, service } }` (a Fargate task started now and stopped by `close()`),
   * `{ auto: { host } }`, or a target you resolved with `resolveTarget()`.
   * @default `SSMKIT_TARGET` (a target string or JSON), else `{ auto: { host, port } }` when
   * `host` is given (RDS host → VPC → an SSM-online instance in it)
   */
  target?: TargetSpec | ResolvedTarget;
  /** Local TCP port, 0–65 535; `0` picks a free one (read `tunnel.localPort`). @default 0 */
  localPort?: number;
  /**
   * Local address to listen on. Anything but loopback exposes the tunnel to your network (use
   * `0.0.0.0` for Docker containers or CI service containers, knowingly).
   * @default '127.0.0.1'
   */
  bindAddress?: string;
  /** Audit text passed to StartSession as `Reason`: 1–256 characters, one line. @default none */
  reason?: string;
  /**
   * Cancels a pending open (target lookup, an ephemeral task that is starting — which is then
   * stopped — or the session start); once open, aborting closes the tunnel.
   * @default none
   */
  signal?: AbortSignal;
  /** Receives one line per tunnel event at a fitting level. @default none: nothing is printed */
  logger?: TunnelLogger;
  /**
   * Reconnect a dropped WebSocket with ResumeSession (connections survive), or `false` to end
   * the session on the first drop (the next connection then starts a new session).
   * @default { retries: 5, baseDelayMs: 100, maxDelayMs: 5_000 }
   */
  reconnect?: ReconnectPolicy | false;
  /**
   * Keep idle sessions open past the service's idle timeout (20 minutes by default) by sending
   * an smux no-op whenever nothing was sent for `intervalMs` ms. `true` = every 4 minutes.
   * @default false
   */
  keepAlive?: boolean | { intervalMs: number };
  /**
   * While an ephemeral Fargate bastion started for this tunnel runs, SIGINT/SIGTERM close the
   * tunnel and stop the task first; the signal is then re-raised unless your application
   * listens for it itself. `false` leaves signals entirely to you (then call `close()`).
   * @default true
   */
  stopOnSignals?: boolean;
  /**
   * Receives every event, including those before `openTunnel()` resolves (`resolving`,
   * `starting-task`, `target-resolved`, `session-started`, `listening`). @default none
   */
  onEvent?: (event: TunnelEvent) => void;
}

/** Environment variables read by ssmkit itself (the SDK reads the `AWS_*` ones). */
export const SSMKIT_TARGET_ENV = 'SSMKIT_TARGET';

const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'expected a function',
);

/** Loose on purpose where core validates the details (target forms, MFA, credentials). */
export const awsOptionsShape = {
  region: z
    .string()
    .regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, 'expected an AWS region such as `eu-west-1`')
    .optional(),
  profile: z.string().min(1, 'expected a profile name').optional(),
  roleArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      'expected a role ARN such as `arn:aws:iam::123456789012:role/admin`',
    )
    .optional(),
  mfa: z
    .object({
      serial: z.string().min(9, 'expected an MFA device ARN or serial').max(256),
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
  endpoint: z
    .url({
      protocol: /^https?$/,
      error: 'expected an http(s) URL such as `http://127.0.0.1:4599`',
    })
    .optional(),
  credentials: z
    .union(
      [
        functionSchema,
        z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).loose(),
      ],
      { error: 'expected { accessKeyId, secretAccessKey } or a credential provider function' },
    )
    .optional(),
  context: z
    .custom<AwsContext>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as AwsContext).destroy === 'function' &&
        typeof (value as AwsContext).credentials === 'function',
      'expected an AwsContext from createAwsContext()',
    )
    .optional(),
};

const targetSchema = z.union(
  [
    z.string().min(1, 'expected a non-empty target'),
    z.custom<object>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    ),
  ],
  {
    error:
      "expected 'i-…', 'mi-…', 'ecs:…', { tag }, { name }, { parameter }, { ecs }, { ephemeral } or { auto }",
  },
);

const intervalSchema = z.int().min(10).max(3_600_000);

/** zod shape of {@link OpenTunnelOptions} without `host`/`port`. @internal */
export const tunnelOptionsShape = {
  ...awsOptionsShape,
  target: targetSchema.optional(),
  localPort: z.int('expected an integer port').min(0).max(65_535).optional(),
  bindAddress: z
    .union([z.ipv4(), z.ipv6()], {
      error: 'expected an IP address such as `127.0.0.1` or `0.0.0.0`',
    })
    .optional(),
  reason: z
    .string()
    .regex(/^.{1,256}$/, 'expected 1–256 characters on one line')
    .optional(),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'expected an AbortSignal')
    .optional(),
  logger: z
    .custom<TunnelLogger>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ['debug', 'info', 'warn', 'error'].every(
          (level) =>
            (value as Record<string, unknown>)[level] === undefined ||
            typeof (value as Record<string, unknown>)[level] === 'function',
        ),
      'expected an object with optional debug/info/warn/error functions',
    )
    .optional(),
  reconnect: z
    .union(
      [
        z.literal(false),
        z
          .object({
            retries: z.int().min(0).max(100).optional(),
            baseDelayMs: z.int().min(1).max(60_000).optional(),
            maxDelayMs: z.int().min(1).max(600_000).optional(),
          })
          .strict(),
      ],
      { error: 'expected false or { retries?, baseDelayMs?, maxDelayMs? }' },
    )
    .optional(),
  keepAlive: z
    .union([z.boolean(), z.object({ intervalMs: intervalSchema }).strict()], {
      error: 'expected a boolean or { intervalMs } (10–3 600 000 ms)',
    })
    .optional(),
  stopOnSignals: z.boolean().optional(),
  onEvent: functionSchema.optional(),
};

const portSchema = z.int('expected an integer port (1–65 535)').min(1).max(65_535);

/** @internal */
export const openTunnelOptionsSchema = z
  .object({
    ...tunnelOptionsShape,
    host: z.string().min(1).max(253).optional(),
    port: portSchema,
  })
  .strict();

/** The AWS part of the options, for `createAwsContext`. @internal */
export function contextOptionsOf(options: AwsOptions): AwsContextOptions {
  const result: AwsContextOptions = {};
  if (options.region !== undefined) result.region = options.region;
  if (options.profile !== undefined) result.profile = options.profile;
  if (options.roleArn !== undefined) result.roleArn = options.roleArn;
  if (options.mfa !== undefined) result.mfa = options.mfa;
  if (options.endpoint !== undefined) result.endpoint = options.endpoint;
  if (options.credentials !== undefined) result.credentials = options.credentials;
  return result;
}

/** Reject `context` together with options that would build another one. @internal */
export function checkContextExclusive(options: AwsOptions, entryPoint: string): void {
  if (options.context === undefined) return;
  for (const key of ['region', 'profile', 'roleArn', 'mfa', 'endpoint', 'credentials'] as const) {
    if (options[key] !== undefined) {
      throw invalidOption(
        entryPoint,
        key,
        'cannot be combined with `context` (the context already fixes region and credentials)',
      );
    }
  }
}

/** The target from the options, `SSMKIT_TARGET`, or automatic discovery from `host`. @internal */
export function targetOf(
  options: { target?: TargetSpec | ResolvedTarget; host?: string; port: number },
  entryPoint: string,
  env: NodeJS.ProcessEnv = process.env,
): TargetSpec | ResolvedTarget {
  if (options.target !== undefined) return options.target;
  const fromEnv = env[SSMKIT_TARGET_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!fromEnv.startsWith('{')) return fromEnv;
    try {
      return validate(targetSchema, JSON.parse(fromEnv), entryPoint, [
        SSMKIT_TARGET_ENV,
      ]) as TargetSpec;
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw invalidOption(entryPoint, SSMKIT_TARGET_ENV, 'expected a target string or JSON');
      }
      throw error;
    }
  }
  if (options.host !== undefined) return { auto: { host: options.host, port: options.port } };
  throw invalidOption(
    entryPoint,
    'target',
    `is required when \`host\` is omitted: pass the bastion ('i-…', { tag: { Name: 'bastion' } }, { ecs }, { ephemeral }) or set ${SSMKIT_TARGET_ENV}`,
  );
}
