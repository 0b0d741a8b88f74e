// Lets every example run without AWS: with SSMKIT_EXAMPLE_EMULATOR=1 (or no AWS credentials in
// the environment) it starts the ssmkit emulator and stand-in databases, and points the AWS SDK
// at them through its own environment variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
// …). The example code itself is exactly what runs against AWS. Not needed in your project.
import { startLineDatabase, type LineDatabase } from './line-db.js';

/** The emulator's default world: `demo-db` and the Aurora cluster `demo-aurora`, user/password. */
export const DEMO = {
  db: 'demo-db',
  dbHost: 'demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com',
  cluster: 'demo-aurora',
  clusterHost: 'demo-aurora.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com',
  clusterReaderHost: 'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com',
  user: 'postgres',
  password: 'demo-password',
} as const;

export interface ExampleEnvironment {
  /** `emulator`: local stand-ins; `aws`: your real account (nothing was started). */
  readonly mode: 'emulator' | 'aws';
  /** The stand-in databases by name (`demo-db`, `demo-aurora`); empty against AWS. */
  readonly databases: ReadonlyMap<string, LineDatabase>;
  close(): Promise<void>;
}

const CREDENTIAL_VARIABLES = [
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

/** True with SSMKIT_EXAMPLE_EMULATOR=1, or when no AWS credentials are configured at all. */
export function useEmulator(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.SSMKIT_EXAMPLE_EMULATOR === '1') return true;
  if (env.SSMKIT_EXAMPLE_EMULATOR === '0') return false;
  return CREDENTIAL_VARIABLES.every((name) => (env[name] ?? '') === '');
}

/** Start the emulator and stand-ins when {@link useEmulator}; otherwise do nothing. */
export async function startExampleEnvironment(): Promise<ExampleEnvironment> {
  if (!useEmulator()) return { mode: 'aws', databases: new Map(), close: async () => undefined };
  // Only the emulator path needs the emulator package.
  const { defaultWorldInput, startEmulator } = await import('@ssmkit/emulator');
  const primary = await startLineDatabase({
    name: DEMO.db,
    user: DEMO.user,
    password: DEMO.password,
  });
  const cluster = await startLineDatabase({
    name: DEMO.cluster,
    user: DEMO.user,
    password: DEMO.password,
  });
  const world = structuredClone(defaultWorldInput);
  world.hostAliases = {
    [`${DEMO.dbHost}:5432`]: `127.0.0.1:${primary.port}`,
    [`${DEMO.clusterHost}:5432`]: `127.0.0.1:${cluster.port}`,
    [`${DEMO.clusterReaderHost}:5432`]: `127.0.0.1:${cluster.port}`,
  };
  const emulator = await startEmulator({ port: 0, world });
  const saved = { ...process.env };
  for (const name of [...CREDENTIAL_VARIABLES, 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE'])
    delete process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  console.error(
    `(emulator mode: AWS_ENDPOINT_URL=${emulator.endpoint}; unset SSMKIT_EXAMPLE_EMULATOR and configure AWS credentials to use your account)`,
  );
  return {
    mode: 'emulator',
    databases: new Map([
      [primary.name, primary],
      [cluster.name, cluster],
    ]),
    close: async () => {
      const tasks = [...emulator.state.tasks.values()];
      if (tasks.some((task) => task.startedBy?.startsWith('ssmkit') === true)) {
        const ours = tasks.filter((task) => task.startedBy?.startsWith('ssmkit') === true);
        const stopped = ours.filter((task) => task.stopRequestedAt !== undefined);
        console.error(
          `(emulator) ephemeral bastion tasks: ${ours.length} started, ${stopped.length} stopped`,
        );
      }
      await emulator.close();
      await primary.close();
      await cluster.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    },
  };
}
