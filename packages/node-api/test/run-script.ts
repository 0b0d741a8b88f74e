// Runs a TypeScript script in a child process the way the README and CI do:
// `node --conditions=@ssmkit/source --import tsx <script>`. Resolves when it exits by itself;
// a script that does not exit within the timeout is killed and reported as `timedOut`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const packageDirectory = fileURLToPath(new URL('..', import.meta.url));
export const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run `script` (relative to `cwd`, default the package directory); resolves when it exits by itself. */
export function runScript(
  script: string,
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    nodeArguments?: string[];
    arguments?: string[];
  } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArguments ?? ['--conditions=@ssmkit/source', '--import', 'tsx']),
        script,
        ...(options.arguments ?? []),
      ],
      {
        cwd: options.cwd ?? packageDirectory,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** stderr without the AWS SDK's Node-version notice (older SDKs print it without a code). */
export function withoutSdkWarning(stderr: string): string {
  return stderr.replace(
    /\(node:\d+\) (Warning: )?NodeVersionSupportWarning[\s\S]*?warning was created\)\n/g,
    '',
  );
}

/**
 * process.env without AWS_* (except the SDK's own AWS_SDK_JS_* switches), SSMKIT_* and DEBUG,
 * plus `extra`.
 */
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const aws = key.startsWith('AWS_') && !key.startsWith('AWS_SDK_JS_');
    if (!aws && !key.startsWith('SSMKIT_') && key !== 'DEBUG') env[key] = value;
  }
  return { ...env, ...extra };
}
