/**
 * AWS credentials, structurally identical to the SDK's `AwsCredentialIdentity`, so SDK providers
 * (`fromIni()`, `fromSSO()`, …) can be passed where an {@link AwsCredentialProvider} is expected.
 */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  /** When these credentials stop working; absent for long-term keys. */
  readonly expiration?: Date | undefined;
  readonly credentialScope?: string | undefined;
  readonly accountId?: string | undefined;
}

/** A function that returns credentials, shaped like the AWS SDK's credential providers. */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;
