import { readFileSync } from 'node:fs';
import { PACKAGE_VERSION } from './version.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  createAwsContext,
  type AwsContext,
  type AwsContextOptions,
  type CallerIdentity,
} from '@ssmkit/core';
import { SsmError } from '@ssmkit/protocol';
import { CliError } from '../errors/cli-error.js';
import type { GlobalValues } from './global-args.js';
import type { Prompter } from './prompter.js';
import type { CliRuntime } from './cli-runtime.js';

/** Regions offered by the region picker (the most used first). */
const COMMON_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'eu-west-2',
  'eu-north-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ap-south-1',
  'ca-central-1',
  'sa-east-1',
];

/** Profile names in ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE…). */
export function listProfiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const names = new Set<string>();
  const files = [
    env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'),
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'),
  ];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const match of text.matchAll(/^\s*\[(?:profile\s+)?([^\]\s]+)\s*\]/gm)) {
      if (match[1] !== undefined && !match[1].startsWith('sso-session')) names.add(match[1]);
    }
  }
  return [...names].sort();
}

/** Whether the SDK would find credentials without a profile choice. */
function hasAmbientCredentials(env: NodeJS.ProcessEnv): boolean {
  return (
    env.AWS_ACCESS_KEY_ID !== undefined ||
    env.AWS_PROFILE !== undefined ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE !== undefined ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI !== undefined ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI !== undefined
  );
}

/**
 * Builds the {@link AwsContext} from the global flags. On a terminal, asks for a profile when
 * nothing else would provide credentials, for a region when none is configured, and for an MFA
 * code when `--mfa-serial` is given without one.
 */
export async function createCliContext(
  values: GlobalValues,
  prompter: Prompter,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AwsContext> {
  const options: AwsContextOptions = { userAgent: `ssm-tunnel/${PACKAGE_VERSION}` };
  let profile = values.profile;
  if (profile === undefined && prompter.interactive && !hasAmbientCredentials(env)) {
    const profiles = listProfiles(env);
    if (profiles.length > 0 && !profiles.includes('default')) {
      profile = await prompter.select(
        'AWS profile',
        profiles.map((name) => ({ value: name, label: name })),
        '--profile',
      );
    }
  }
  if (profile !== undefined) options.profile = profile;
  if (values.region !== undefined) options.region = values.region;
  if (values['endpoint-url'] !== undefined) options.endpoint = values['endpoint-url'];
  if (values['role-arn'] !== undefined) options.roleArn = values['role-arn'];
  const serial = values['mfa-serial'];
  if (serial !== undefined) {
    const code = values['mfa-code'] ?? env.SSMKIT_MFA_CODE;
    if (code !== undefined && code !== '') {
      options.mfa = { serial, code };
    } else if (prompter.interactive) {
      options.mfa = {
        serial,
        codeProvider: () => prompter.text(`MFA code for ${serial}`, '--mfa-code'),
      };
    } else {
      throw new CliError(
        'ERR_CLI_NOT_INTERACTIVE',
        `--mfa-serial needs a code, and stdin is not a terminal to ask on.`,
        { hint: 'Pass --mfa-code <123456> or set SSMKIT_MFA_CODE.' },
      );
    }
  } else if (values['mfa-code'] !== undefined) {
    throw new CliError('ERR_CLI_USAGE', '--mfa-code needs --mfa-serial.', {
      hint: 'Pass --mfa-serial <arn:aws:iam::…:mfa/name>.',
    });
  }
  try {
    return await createAwsContext(options);
  } catch (error) {
    if (
      SsmError.isInstance(error) &&
      error.code === 'ERR_CONFIG_MISSING_REGION' &&
      prompter.interactive
    ) {
      options.region = await prompter.select(
        'AWS region',
        COMMON_REGIONS.map((region) => ({ value: region, label: region })),
        '--region',
      );
      return createAwsContext(options);
    }
    throw error;
  }
}

/**
 * {@link createCliContext}, then GetCallerIdentity so bad credentials fail before anything is
 * started, reported as a `credentials` event. The context is destroyed if the check fails.
 */
export async function createCheckedContext(
  values: GlobalValues,
  runtime: Pick<CliRuntime, 'output' | 'prompter' | 'env'>,
): Promise<{ context: AwsContext; identity: CallerIdentity }> {
  const { output } = runtime;
  output.step('Checking credentials…');
  const context = await createCliContext(values, runtime.prompter, runtime.env);
  try {
    const identity = await context.callerIdentity();
    output.event({
      type: 'credentials',
      account: identity.account,
      arn: identity.arn,
      region: context.region,
    });
    return { context, identity };
  } catch (error) {
    context.destroy();
    throw error;
  }
}
