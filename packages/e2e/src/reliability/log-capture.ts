// Captures every line the `debug` loggers of ssmkit (ssmkit:*) write, plus any other lines a test
// adds (node-api logger output, error messages), and finds secrets in them.
import { createRequire } from 'node:module';
import { format } from 'node:util';
import type { Debug } from 'debug';

// The `debug` instance the workspace packages use (one copy in the pnpm store).
const requireFromCore = createRequire(new URL('../../../core/package.json', import.meta.url));
const createDebug = requireFromCore('debug') as Debug;

export interface LogCapture {
  readonly lines: string[];
  /** Adds a line from another source (a logger option, an error message, an event). */
  add(line: string): void;
  /** Restores the previous `debug` settings. */
  stop(): void;
}

/** Enables `namespaces` and collects their lines until `stop()`. */
export function captureDebugLogs(namespaces = 'ssmkit:*'): LogCapture {
  const lines: string[] = [];
  const previousNamespaces = createDebug.disable();
  const previousLog = createDebug.log;
  createDebug.log = (...args: unknown[]): void => {
    lines.push(format(...args));
  };
  createDebug.enable(namespaces);
  return {
    lines,
    add: (line) => lines.push(line),
    stop() {
      createDebug.log = previousLog;
      createDebug.disable();
      if (previousNamespaces !== '') createDebug.enable(previousNamespaces);
    },
  };
}

/** Patterns that must never appear in a log line, whatever the secret's value. */
const FORBIDDEN_PATTERNS: RegExp[] = [
  /X-Amz-(Signature|Credential|Security-Token)/i, // presigned or signed query strings
  /\/v1\/data-channel\/[^\s"'?]*\?(?!…)[^\s"']/, // a StreamUrl with its query (not `?…`)
  /role=publish_subscribe/, // the StreamUrl query itself
  /"TokenValue"\s*:\s*"[^"]/, // an open-data-channel frame with its token
  /aws_secret_access_key|secretAccessKey["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{8}/i,
  /sessionToken["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{8}/i,
];

/**
 * Lines that contain one of `secrets` (exact values: keys, tokens, passwords, StreamUrl queries)
 * or a forbidden pattern, each with what matched. Empty secrets are ignored.
 */
export function findSecrets(
  lines: readonly string[],
  secrets: readonly string[],
): { line: string; matched: string }[] {
  const found: { line: string; matched: string }[] = [];
  const values = [...new Set(secrets.filter((secret) => secret.length >= 4))];
  for (const line of lines) {
    for (const secret of values) {
      if (line.includes(secret))
        found.push({ line: redact(line, values), matched: 'a secret value' });
    }
    for (const pattern of FORBIDDEN_PATTERNS) {
      if (pattern.test(line)) found.push({ line: redact(line, values), matched: String(pattern) });
    }
  }
  return found;
}

/** The line with every secret replaced, so a failing assertion does not print them either. */
function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) out = out.split(secret).join('<redacted>');
  return out.replace(/\?[^\s"']*/g, '?<redacted>');
}
