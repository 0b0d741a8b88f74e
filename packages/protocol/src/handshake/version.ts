/**
 * The two version comparisons of the protocol (spec §6.3, §7.1; notes §2). They differ on
 * purpose: each side gates features with its own routine, so both are reproduced exactly.
 */

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go's `strconv.Atoi` on a 64-bit platform: optional sign, decimal digits, int64 range. */
function goAtoi(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? undefined : value;
}

/** Go's byte-wise string comparison. */
function compareGoStrings(a: string, b: string): -1 | 0 | 1 {
  return sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

function sign(value: number | bigint): -1 | 0 | 1 {
  return value > 0 ? 1 : value < 0 ? -1 : 0;
}

interface SemVer {
  core: [bigint, bigint, bigint];
  preRelease: string;
}

const SEMVER_IDENTIFIER = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;

/** `coreos/go-semver` `NewVersion`: `X.Y.Z[-pre][+meta]` with int64 components. */
function parseSemVer(version: string): SemVer | undefined {
  let rest = version;
  let metadata = '';
  let preRelease = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    metadata = rest.slice(plus + 1);
    rest = rest.slice(0, plus);
  }
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    preRelease = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
  }
  const parts = rest.split('.');
  if (parts.length !== 3) return undefined;
  if (preRelease !== '' && !SEMVER_IDENTIFIER.test(preRelease)) return undefined;
  if (metadata !== '' && !SEMVER_IDENTIFIER.test(metadata)) return undefined;
  const core: bigint[] = [];
  for (const part of parts) {
    // ParseInt(part, 10, 64); signs were split off above, so only digits remain valid.
    if (!/^[0-9]+$/.test(part)) return undefined;
    const value = BigInt(part);
    if (value > INT64_MAX) return undefined;
    core.push(value);
  }
  return { core: core as [bigint, bigint, bigint], preRelease };
}

function comparePreRelease(a: string[], b: string[]): -1 | 0 | 1 {
  for (let index = 0; ; index++) {
    const left = a[index];
    const right = b[index];
    if (left === undefined) return right === undefined ? 0 : -1;
    if (right === undefined) return 1;
    const leftNumber = goAtoi(left);
    const rightNumber = goAtoi(right);
    if (leftNumber !== undefined && rightNumber === undefined) return -1;
    if (leftNumber === undefined && rightNumber !== undefined) return 1;
    if (leftNumber !== undefined && rightNumber !== undefined && leftNumber !== rightNumber) {
      return sign(leftNumber - rightNumber);
    }
    const text = compareGoStrings(left, right);
    if (text !== 0) return text;
  }
}

function compareSemVer(a: SemVer, b: SemVer): -1 | 0 | 1 {
  for (let index = 0; index < 3; index++) {
    const difference = sign(a.core[index]! - b.core[index]!);
    if (difference !== 0) return difference;
  }
  if (a.preRelease === '' && b.preRelease !== '') return 1;
  if (b.preRelease === '' && a.preRelease !== '') return -1;
  return comparePreRelease(
    a.preRelease === '' ? [] : a.preRelease.split('.'),
    b.preRelease === '' ? [] : b.preRelease.split('.'),
  );
}

/**
 * The **agent's** version comparison (`versionutil.Compare(a, b, strictSort = true)`), used by the
 * agent to gate features on the client's `ClientVersion` (spec §6.3):
 *
 * - if both parse as 3-part semver (`X.Y.Z[-pre][+meta]`), semver precedence;
 * - otherwise component-wise on `.`: numerically when both components are integers, else as
 *   byte strings; when one runs out first, the version with more components is greater
 *   (`1.1.70.0` > `1.1.70`). The empty string is lower than every non-empty version.
 *
 * @returns -1, 0 or 1 as `a` is lower than, equal to or greater than `b`.
 * @example
 * ```ts
 * compareAgentSideVersion('1.2.707.0', '1.1.70'); // 1 → agent uses smux
 * ```
 */
export function compareAgentSideVersion(a: string, b: string): -1 | 0 | 1 {
  const semverA = parseSemVer(a);
  const semverB = parseSemVer(b);
  if (semverA !== undefined && semverB !== undefined) return compareSemVer(semverA, semverB);
  const componentsA = a.split('.');
  const componentsB = b.split('.');
  const shared = Math.min(componentsA.length, componentsB.length);
  for (let index = 0; index < shared; index++) {
    const left = componentsA[index]!;
    const right = componentsB[index]!;
    const leftNumber = goAtoi(left);
    const rightNumber = goAtoi(right);
    if (leftNumber !== undefined && rightNumber !== undefined) {
      if (leftNumber !== rightNumber) return sign(leftNumber - rightNumber);
    } else {
      const text = compareGoStrings(left, right);
      if (text !== 0) return text;
    }
  }
  return sign(componentsA.length - componentsB.length);
}

/**
 * The **client's** strict "greater than" (the official client's
 * `isAgentVersionGreaterThanSupportedVersion`), used on the agent's `AgentVersion` (spec §7.1):
 * both versions must be non-empty and have the same number of `.`-separated components; components
 * are compared left to right as integers and the first difference decides. A component that is
 * not an integer, reached before a difference, makes the result `false`, as does equality.
 *
 * @example
 * ```ts
 * isVersionGreater('3.3.1142.0', '3.0.196.0'); // true
 * isVersionGreater('3.3.1142', '3.0.196.0'); // false: component counts differ
 * ```
 */
export function isVersionGreater(version: string, threshold: string): boolean {
  if (version === '' || threshold === '') return false;
  const components = version.split('.');
  const thresholdComponents = threshold.split('.');
  if (components.length !== thresholdComponents.length) return false;
  for (let index = 0; index < components.length; index++) {
    const value = goAtoi(components[index]!);
    if (value === undefined) return false;
    const limit = goAtoi(thresholdComponents[index]!);
    if (limit === undefined) return false;
    if (value > limit) return true;
    if (value < limit) return false;
  }
  return false;
}
