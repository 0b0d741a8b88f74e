import { describe, expect, test } from 'vitest';
import { compareAgentSideVersion, isVersionGreater } from './version.js';

describe('isVersionGreater (client: strict >, same component count)', () => {
  test.each([
    // thresholds themselves and their neighbours
    ['3.0.196.0', '3.0.196.0', false],
    ['3.0.196.1', '3.0.196.0', true],
    ['3.0.197.0', '3.0.196.0', true],
    ['3.0.195.9', '3.0.196.0', false],
    ['2.3.722.0', '2.3.722.0', false],
    ['2.3.756.0', '2.3.722.0', true],
    ['3.1.1511.0', '3.1.1511.0', false],
    ['3.1.1575.0', '3.1.1511.0', true],
    ['3.3.1142.0', '3.0.196.0', true],
    // numeric, not lexical
    ['10.0.0.0', '9.0.0.0', true],
    ['3.0.1000.0', '3.0.196.0', true],
    ['03.0.196.1', '3.0.196.0', true],
    // component count must match
    ['3.0.222', '3.0.196.0', false],
    ['3.1.0.0.0', '3.0.196.0', false],
    ['4', '3.0.196.0', false],
    // unparsable → false, but only when reached before the first difference (as upstream)
    ['', '3.0.196.0', false],
    ['3.0.196.0', '', false],
    ['x.y.z.w', '3.0.196.0', false],
    ['3.x.0.0', '3.0.196.0', false],
    ['4.x.0.0', '3.0.196.0', true],
    ['3.0.196.0 ', '3.0.196.0', false],
    ['3.0.196.1-beta', '3.0.196.0', false],
    ['99999999999999999999.0.0.0', '3.0.196.0', false],
    ['+4.0.0.0', '3.0.196.0', true],
    ['-4.0.0.0', '3.0.196.0', false],
  ])('%j > %j is %s', (version, threshold, expected) => {
    expect(isVersionGreater(version, threshold)).toBe(expected);
  });
});

describe('compareAgentSideVersion (agent: semver, else component-wise)', () => {
  test.each([
    // thresholds
    ['1.1.70', '1.1.70', 0],
    ['1.1.69', '1.1.70', -1],
    ['1.1.71', '1.1.70', 1],
    ['1.2.331.0', '1.2.331.0', 0],
    ['1.2.332.0', '1.2.331.0', 1],
    ['1.2.295', '1.2.295', 0],
    ['1.2.294', '1.2.295', -1],
    ['1.2.707.0', '1.1.70', 1],
    ['1.2.0.0', '1.1.70', 1],
    ['0.0.1', '1.1.70', -1],
    // 3- vs 4-component: extra components count as greater
    ['1.1.70.0', '1.1.70', 1],
    ['1.1.70', '1.1.70.0', -1],
    ['1.2.295.0', '1.2.295', 1],
    // empty string is lower than everything
    ['', '1.1.70', -1],
    ['', '0', -1],
    ['1.1.70', '', 1],
    ['', '', 0],
    // semver precedence
    ['1.10.0', '1.9.0', 1],
    ['01.1.70', '1.1.70', 0],
    ['1.2.3-alpha', '1.2.3', -1],
    ['1.2.3', '1.2.3-alpha', 1],
    ['1.2.3-alpha.1', '1.2.3-alpha.beta', -1],
    ['1.2.3-alpha.2', '1.2.3-alpha.10', -1],
    ['1.2.3-alpha', '1.2.3-alpha.1', -1],
    ['1.2.3+build.5', '1.2.3', 0],
    // garbage: text comparison of non-numeric components
    ['abc', 'abd', -1],
    ['1.a', '1.10', 1],
    ['1.x.0.0', '1.x.0.0', 0],
    ['garbage', '1.1.70', 1],
  ])('compare(%j, %j) = %i', (a, b, expected) => {
    expect(compareAgentSideVersion(a, b)).toBe(expected);
    expect(compareAgentSideVersion(b, a)).toBe(-expected || 0);
  });
});
