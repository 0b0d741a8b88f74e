/**
 * The AWS SDK client packages that `@ssmkit/core` imports on first use rather than at load time
 * (`@aws-sdk/client-ec2` alone is ≈ 75 MB of RSS; a tunnel to an instance id needs none of
 * them). `@aws-sdk/client-ssm` is imported statically: every tunnel calls StartSession.
 * @internal
 */
const importers = {
  ec2: () => import('@aws-sdk/client-ec2'),
  ecs: () => import('@aws-sdk/client-ecs'),
  rds: () => import('@aws-sdk/client-rds'),
  sts: () => import('@aws-sdk/client-sts'),
  secretsManager: () => import('@aws-sdk/client-secrets-manager'),
};

/** The module namespace of each lazily imported SDK package. @internal */
export type SdkModules = {
  [K in keyof typeof importers]: Awaited<ReturnType<(typeof importers)[K]>>;
};

const loaded: Partial<SdkModules> = {};

/**
 * The SDK package `name`, imported on the first call. Later calls settle within the same
 * microtask checkpoint (no I/O), so polling loops on fake timers are not slowed by them.
 * @internal
 */
export async function loadSdk<K extends keyof SdkModules>(name: K): Promise<SdkModules[K]> {
  const existing = loaded[name];
  if (existing !== undefined) return existing;
  const module = (await importers[name]()) as SdkModules[K];
  loaded[name] = module;
  return module;
}
