/**
 * The world file: everything the emulated AWS account(s) contain. JSON, validated with zod.
 * Every collection is optional and defaults to empty; see the README ("World file") for an example.
 */
import * as z from 'zod/v4';

const tags = z.record(z.string(), z.string());

/** A long-term (or pre-issued session) credential and the identity it signs as. */
export const credentialSchema = z.object({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  /** Optional session token; requests must then carry it in `X-Amz-Security-Token`. */
  sessionToken: z.string().min(1).optional(),
  /** ISO-8601 expiry; after it every call fails with ExpiredToken(Exception). */
  expiration: z.iso.datetime().optional(),
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  /** `arn:aws:iam::<account>:user/<name>` (or a role ARN for pre-issued role credentials). */
  arn: z.string().startsWith('arn:'),
  /** The unique id GetCallerIdentity returns as UserId (default derived from the key). */
  userId: z.string().optional(),
});

export const roleSchema = z.object({
  /** `arn:aws:iam::<account>:role/<name>` */
  arn: z
    .string()
    .regex(/^arn:aws:iam::\d{12}:role\/.+$/, 'expected arn:aws:iam::<account>:role/<name>'),
  /** Who may assume the role. Omitted: any identity in the role's own account. */
  trust: z
    .object({
      /** Principal ARNs (users, roles; an assumed-role session matches its role ARN). */
      principals: z.array(z.string()).default([]),
      /** Account ids whose identities may assume the role. */
      accounts: z.array(z.string()).default([]),
    })
    .optional(),
  /** Require `SerialNumber` + `TokenCode` on AssumeRole. */
  mfaRequired: z.boolean().default(false),
  /** MaxSessionDuration of the role, 3600–43200 s. */
  maxSessionDurationSeconds: z.number().int().min(3600).max(43_200).default(3600),
});

export const mfaDeviceSchema = z.object({
  /** `arn:aws:iam::<account>:mfa/<name>` */
  serialNumber: z.string().min(9),
  /** The one code the emulated device accepts (6 digits). */
  code: z.string().regex(/^\d{6}$/, 'expected 6 digits'),
});

export const vpcSchema = z.object({
  vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'expected vpc-<hex>'),
  cidrBlock: z.string().default('10.0.0.0/16'),
  tags: tags.default({}),
});

export const subnetSchema = z.object({
  subnetId: z.string().regex(/^subnet-[0-9a-f]+$/, 'expected subnet-<hex>'),
  vpcId: z.string(),
  cidrBlock: z.string().default('10.0.1.0/24'),
  availabilityZone: z.string().default('us-east-1a'),
  tags: tags.default({}),
});

export const securityGroupSchema = z.object({
  groupId: z.string().regex(/^sg-[0-9a-f]+$/, 'expected sg-<hex>'),
  groupName: z.string(),
  description: z.string().default(''),
  vpcId: z.string(),
  tags: tags.default({}),
});

export const instanceSchema = z.object({
  /** `i-<hex>` (EC2) or `mi-<hex>` (hybrid managed node). */
  instanceId: z.string().regex(/^(i|mi)-[0-9a-f]{8,17}$/, 'expected i-<hex> or mi-<hex>'),
  tags: tags.default({}),
  vpcId: z.string().optional(),
  subnetId: z.string().optional(),
  privateIpAddress: z.string().default('10.0.1.10'),
  securityGroupIds: z.array(z.string()).default([]),
  instanceType: z.string().default('t3.micro'),
  /** EC2 instance state. */
  state: z
    .enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'])
    .default('running'),
  /** Whether the SSM agent is connected (PingStatus Online; StartSession works). */
  ssmOnline: z.boolean().default(true),
  agentVersion: z.string().default('3.3.1142.0'),
  platformType: z.enum(['Linux', 'Windows', 'MacOS']).default('Linux'),
  platformName: z.string().default('Amazon Linux'),
  platformVersion: z.string().default('2023'),
  /** Only visible in this region; omitted = every region. */
  region: z.string().optional(),
});

export const awsvpcConfigurationSchema = z.object({
  subnets: z.array(z.string()).min(1),
  securityGroups: z.array(z.string()).default([]),
  assignPublicIp: z.enum(['ENABLED', 'DISABLED']).default('DISABLED'),
});

export const ecsServiceSchema = z.object({
  serviceName: z.string().min(1),
  /** `family:revision` of a declared task definition. */
  taskDefinition: z.string().regex(/^[\w-]+:\d+$/, 'expected family:revision'),
  desiredCount: z.number().int().min(0).default(1),
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).default('FARGATE'),
  enableExecuteCommand: z.boolean().default(false),
  networkConfiguration: z.object({ awsvpcConfiguration: awsvpcConfigurationSchema }).optional(),
  tags: tags.default({}),
});

export const ecsClusterSchema = z.object({
  clusterName: z.string().regex(/^[\w-]{1,255}$/, 'expected letters, digits, - and _'),
  services: z.array(ecsServiceSchema).default([]),
  tags: tags.default({}),
});

export const containerDefinitionSchema = z.object({
  name: z.string().min(1),
  image: z.string().min(1),
  essential: z.boolean().default(true),
  cpu: z.number().int().optional(),
  memory: z.number().int().optional(),
  portMappings: z
    .array(
      z.object({
        containerPort: z.number().int(),
        protocol: z.enum(['tcp', 'udp']).default('tcp'),
      }),
    )
    .default([]),
  command: z.array(z.string()).optional(),
});

export const taskDefinitionSchema = z.object({
  family: z.string().regex(/^[\w-]{1,255}$/, 'expected letters, digits, - and _'),
  revision: z.number().int().min(1).default(1),
  networkMode: z.enum(['awsvpc', 'bridge', 'host', 'none']).default('awsvpc'),
  requiresCompatibilities: z.array(z.enum(['FARGATE', 'EC2', 'EXTERNAL'])).default(['FARGATE']),
  cpu: z.string().default('256'),
  memory: z.string().default('512'),
  taskRoleArn: z.string().optional(),
  executionRoleArn: z.string().optional(),
  containerDefinitions: z.array(containerDefinitionSchema).min(1),
});

export const ecsTaskStartupSchema = z.object({
  /** PROVISIONING → PENDING after this many ms. */
  pendingAfterMs: z.number().int().min(0).default(200),
  /** → RUNNING this many ms after RunTask. */
  runningAfterMs: z.number().int().min(0).default(2_000),
  /** ExecuteCommandAgent RUNNING this many ms after RunTask (≥ runningAfterMs in practice). */
  agentRunningAfterMs: z.number().int().min(0).default(3_000),
  /** StopTask → STOPPED after this many ms. */
  stoppedAfterMs: z.number().int().min(0).default(1_000),
});

export const rdsInstanceSchema = z.object({
  dbInstanceIdentifier: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'expected an RDS identifier'),
  engine: z.string().default('postgres'),
  engineVersion: z.string().default('16.4'),
  dbInstanceClass: z.string().default('db.t4g.micro'),
  status: z.string().default('available'),
  endpointAddress: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  vpcId: z.string(),
  subnetIds: z.array(z.string()).default([]),
  securityGroupIds: z.array(z.string()).default([]),
  dbSubnetGroupName: z.string().default('default'),
  availabilityZone: z.string().default('us-east-1a'),
  masterUsername: z.string().default('postgres'),
  dbName: z.string().optional(),
  /** Member of this Aurora cluster. */
  dbClusterIdentifier: z.string().optional(),
  /** ARN of the RDS-managed master user secret (must exist in `secrets`). */
  masterUserSecretArn: z.string().optional(),
  tags: tags.default({}),
  region: z.string().optional(),
});

export const rdsClusterSchema = z.object({
  dbClusterIdentifier: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'expected an RDS identifier'),
  engine: z.string().default('aurora-postgresql'),
  engineVersion: z.string().default('16.4'),
  status: z.string().default('available'),
  endpoint: z.string().min(1),
  readerEndpoint: z.string().optional(),
  port: z.number().int().min(1).max(65_535),
  vpcId: z.string(),
  securityGroupIds: z.array(z.string()).default([]),
  dbSubnetGroupName: z.string().default('default'),
  masterUsername: z.string().default('postgres'),
  databaseName: z.string().optional(),
  masterUserSecretArn: z.string().optional(),
  tags: tags.default({}),
  region: z.string().optional(),
});

export const parameterSchema = z.object({
  name: z.string().regex(/^[\w./-]{1,2048}$/, 'expected an SSM parameter name'),
  type: z.enum(['String', 'StringList', 'SecureString']).default('String'),
  value: z.string(),
  description: z.string().optional(),
  region: z.string().optional(),
});

export const secretSchema = z.object({
  name: z.string().min(1),
  /** Full ARN; default `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>`. */
  arn: z.string().optional(),
  /** For RDS-managed secrets: `{"username":"…","password":"…"}`. */
  secretString: z.string(),
  description: z.string().optional(),
  region: z.string().optional(),
});

export const allowRuleSchema = z.object({
  /** IAM actions, e.g. `ssm:StartSession`, `ec2:Describe*`, `*`. */
  actions: z.array(z.string()).min(1),
  /** Resource ARN patterns with `*`; default every resource. */
  resources: z.array(z.string()).default(['*']),
  /** Only targets (instances / ECS tasks) carrying all these tags (like `ssm:resourceTag/<k>`). */
  resourceTags: tags.optional(),
});

export const permissionSchema = z.object({
  /** User ARN, role ARN (matches its assumed-role sessions) or assumed-role ARN. */
  principal: z.string().startsWith('arn:'),
  /** Identity-based allow list. A principal with an entry is denied everything else. */
  allow: z.array(allowRuleSchema).default([]),
});

export const faultsSchema = z.object({
  /** Probability 0–1 that a data-channel frame is dropped. */
  drop: z.number().min(0).max(1).default(0),
  /** Probability 0–1 that a frame is sent twice. */
  duplicate: z.number().min(0).max(1).default(0),
  /** Probability 0–1 that a frame is held back and sent after the next one. */
  reorder: z.number().min(0).max(1).default(0),
  /** Extra delay per frame, ms. */
  delayMs: z.number().int().min(0).default(0),
  /**
   * Random extra delay per frame, uniform in 0…`delayJitterMs` ms, on top of `delayMs`. Frames
   * with different delays may overtake each other, as on a jittery network.
   */
  delayJitterMs: z.number().int().min(0).default(0),
  /** Kill every data-channel WebSocket this often (ms); 0/omitted = never. */
  killSocketEveryMs: z.number().int().min(0).default(0),
});

export const sessionPreferencesSchema = z.object({
  /** Idle session timeout, 1–60 minutes (Session Manager preferences). */
  idleTimeoutMinutes: z.number().int().min(1).max(60).default(20),
  /**
   * Idle timeout in seconds; overrides `idleTimeoutMinutes` when set. Not an AWS setting: it
   * exists so tests can watch an idle timeout happen without waiting a minute.
   */
  idleTimeoutSeconds: z.number().positive().max(3600).optional(),
  /** Maximum session duration in seconds; overrides the minutes when set (for tests, like above). */
  maxSessionDurationSeconds: z.number().positive().max(86_400).optional(),
  /** Maximum session duration, 1–1440 minutes; unset = unlimited. */
  maxSessionDurationMinutes: z.number().int().min(1).max(1440).optional(),
  /** Lifetime of a StartSession/ResumeSession TokenValue, seconds. */
  tokenTtlSeconds: z.number().int().min(1).default(60),
});

export const worldSchema = z.object({
  credentials: z.array(credentialSchema).default([]),
  roles: z.array(roleSchema).default([]),
  mfaDevices: z.array(mfaDeviceSchema).default([]),
  vpcs: z.array(vpcSchema).default([]),
  subnets: z.array(subnetSchema).default([]),
  securityGroups: z.array(securityGroupSchema).default([]),
  instances: z.array(instanceSchema).default([]),
  ecs: z
    .object({
      clusters: z.array(ecsClusterSchema).default([]),
      taskDefinitions: z.array(taskDefinitionSchema).default([]),
      taskStartup: ecsTaskStartupSchema.default(ecsTaskStartupSchema.parse({})),
      /** Agent version reported for ECS exec targets. */
      agentVersion: z.string().default('3.3.1142.0'),
    })
    .default({
      clusters: [],
      taskDefinitions: [],
      taskStartup: ecsTaskStartupSchema.parse({}),
      agentVersion: '3.3.1142.0',
    }),
  rds: z
    .object({
      instances: z.array(rdsInstanceSchema).default([]),
      clusters: z.array(rdsClusterSchema).default([]),
    })
    .default({ instances: [], clusters: [] }),
  parameters: z.array(parameterSchema).default([]),
  secrets: z.array(secretSchema).default([]),
  /** `"host"` or `"host:port"` → `"host:port"` the emulated agent really dials. */
  hostAliases: z
    .record(z.string(), z.string().regex(/^.+:\d{1,5}$/, 'expected host:port'))
    .default({}),
  sessionPreferences: sessionPreferencesSchema.default(sessionPreferencesSchema.parse({})),
  permissions: z.array(permissionSchema).default([]),
  faults: faultsSchema.default(faultsSchema.parse({})),
});

/** A validated world (all defaults applied). */
export type World = z.infer<typeof worldSchema>;
/** A world as written in a file (defaults optional). */
export type WorldInput = z.input<typeof worldSchema>;
export type WorldCredential = z.infer<typeof credentialSchema>;
export type WorldRole = z.infer<typeof roleSchema>;
export type WorldInstance = z.infer<typeof instanceSchema>;
export type WorldEcsCluster = z.infer<typeof ecsClusterSchema>;
export type WorldEcsService = z.infer<typeof ecsServiceSchema>;
export type WorldTaskDefinition = z.infer<typeof taskDefinitionSchema>;
export type WorldRdsInstance = z.infer<typeof rdsInstanceSchema>;
export type WorldRdsCluster = z.infer<typeof rdsClusterSchema>;
export type WorldParameter = z.infer<typeof parameterSchema>;
export type WorldSecret = z.infer<typeof secretSchema>;
export type WorldPermission = z.infer<typeof permissionSchema>;
export type Faults = z.infer<typeof faultsSchema>;
export type SessionPreferences = z.infer<typeof sessionPreferencesSchema>;
export type AwsvpcConfiguration = z.infer<typeof awsvpcConfigurationSchema>;
