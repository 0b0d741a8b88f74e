// Every error code must be documented in the README's "Error codes" table (conventions §4).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { AwsErrorCode, ConfigErrorCode, EndpointErrorCode, TargetErrorCode } from './index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const table = readme.slice(readme.indexOf('## Error codes'));

describe('README', () => {
  test.each([
    ...Object.values(AwsErrorCode),
    ...Object.values(ConfigErrorCode),
    ...Object.values(TargetErrorCode),
    ...Object.values(EndpointErrorCode),
  ])('documents %s', (code) => {
    expect(table).toMatch(new RegExp(`^\\| \`${code}\` +\\|`, 'm'));
  });

  test('keeps the heading reserved for the tunnel work', () => {
    expect(readme).toContain('## Tunnels\n\n(documented by the tunnel work)');
  });
});
