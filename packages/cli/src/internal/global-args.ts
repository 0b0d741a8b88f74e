import type { ArgsDef } from 'citty';

/** Flags every AWS-calling command takes, named like the AWS CLI's. */
export const awsArgs = {
  profile: { type: 'string', description: 'AWS profile (default: AWS_PROFILE, then default)' },
  region: { type: 'string', description: 'AWS region (default: AWS_REGION, then the profile)' },
  'role-arn': { type: 'string', description: 'Role to assume on top of the credentials' },
  'mfa-serial': { type: 'string', description: 'MFA device ARN for --role-arn' },
  'mfa-code': {
    type: 'string',
    description: 'MFA code (else SSMKIT_MFA_CODE, else asked on a terminal)',
  },
  'endpoint-url': {
    type: 'string',
    description: 'One endpoint for every AWS API (e.g. the emulator)',
  },
} as const satisfies ArgsDef;

/** Output flags every command takes. */
export const outputArgs = {
  json: { type: 'boolean', description: 'One JSON object per event line on stdout' },
  quiet: { type: 'boolean', alias: 'q', description: 'Only errors and results' },
  verbose: { type: 'boolean', description: 'Every step, and connection open/close with bytes' },
} as const satisfies ArgsDef;

/** `--reason` for commands that start sessions. */
export const reasonArgs = {
  reason: { type: 'string', description: 'Audit reason passed to StartSession' },
} as const satisfies ArgsDef;

/** Parsed values of {@link awsArgs} and {@link outputArgs} (citty gives strings/booleans). */
export interface GlobalValues {
  profile?: string;
  region?: string;
  'role-arn'?: string;
  'mfa-serial'?: string;
  'mfa-code'?: string;
  'endpoint-url'?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  reason?: string;
}
