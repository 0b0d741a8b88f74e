// Every error code must be documented in a README error table (conventions §4).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  AwsErrorCode,
  ConfigErrorCode,
  EndpointErrorCode,
  TargetErrorCode,
  TunnelErrorCode,
} from './index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const mainTable = readme.slice(readme.indexOf('## Error codes'));
const tunnelTable = readme.slice(readme.indexOf('### Tunnel error codes'));

describe('README', () => {
  test.each([
    ...Object.values(AwsErrorCode),
    ...Object.values(ConfigErrorCode),
    ...Object.values(TargetErrorCode),
    ...Object.values(EndpointErrorCode),
  ])('documents %s in "Error codes"', (code) => {
    expect(mainTable).toMatch(new RegExp(`^\\| \`${code}\` +\\|`, 'm'));
  });

  test.each(Object.values(TunnelErrorCode))('documents %s in "Tunnel error codes"', (code) => {
    expect(tunnelTable).toMatch(new RegExp(`^\\| \`${code}\` +\\|`, 'm'));
  });

  test('points from the main table to the tunnel codes', () => {
    expect(mainTable).toContain('Tunnel error codes');
  });
});
