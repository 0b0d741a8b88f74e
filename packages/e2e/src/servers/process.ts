import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The hint every "missing binary" error ends with. */
export const INSTALL_HINT = 'run `bash scripts/install-system-deps.sh` (as root) to install it';

/** A binary the suites need is not installed. */
export class MissingBinaryError extends Error {
  constructor(what: string, looked: string[]) {
    super(`${what} is not installed (looked for ${looked.join(', ')}): ${INSTALL_HINT}`);
    this.name = 'MissingBinaryError';
  }
}

/** True when this process runs as root. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The first executable among absolute paths and names looked up on PATH. */
export function findBinary(what: string, candidates: string[]): string {
  for (const candidate of candidates) {
    if (candidate.includes('/')) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir !== '' && existsSync(join(dir, candidate))) return join(dir, candidate);
    }
  }
  throw new MissingBinaryError(what, candidates);
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh private directory under the OS temp dir. */
export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `ssmkit-e2e-${prefix}-`));
}

/** Remove a directory tree; never throws. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(
    () => undefined,
  );
}

/** What a finished process left behind. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is closed afterwards (ignored when undefined). */
  input?: string | Buffer;
  /** Killed with SIGKILL after this many ms. @default 120 000 */
  timeoutMs?: number;
}

/** Run a command to completion and collect its output. Never throws for a non-zero exit. */
export async function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const spawnOptions: SpawnOptions = {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  };
  if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
  const child = spawn(file, args, spawnOptions);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  if (options.input !== undefined) child.stdin?.end(options.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr).toString('utf8'),
        }),
      );
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Like {@link run}, but throws with the command's stderr unless it exits with 0. */
export async function runOk(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${file} ${args[0] ?? ''}… exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`,
    );
  }
  return result;
}

/** `file args` as the given user when root (`runuser -u user --`), else as this user. */
export function asUser(
  user: string | undefined,
  file: string,
  args: readonly string[],
): [string, string[]] {
  if (user === undefined) return [file, [...args]];
  return [
    findBinary('runuser', ['/usr/sbin/runuser', '/sbin/runuser', 'runuser']),
    ['-u', user, '--', file, ...args],
  ];
}

/** Poll `check` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Wait for a child to exit; SIGKILL it if it has not after `graceMs`. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 30_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** SHA-256 (hex) and length of a buffer. */
export function digest(data: Buffer | string): { length: number; sha256: string } {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { length: buffer.length, sha256: createHash('sha256').update(buffer).digest('hex') };
}

/** SHA-256 (hex) and length of a file, streamed. */
export async function fileDigest(path: string): Promise<{ length: number; sha256: string }> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    length += buffer.length;
    hash.update(buffer);
  }
  return { length, sha256: hash.digest('hex') };
}
