import { describe, expect, test } from 'vitest';
import { engineFamily } from './rds.js';

describe('engineFamily', () => {
  test.each([
    ['postgres', 'postgres'],
    ['aurora-postgresql', 'postgres'],
    ['mysql', 'mysql'],
    ['aurora-mysql', 'mysql'],
    ['aurora', 'mysql'],
    ['mariadb', 'mariadb'],
    ['oracle-ee', 'oracle-ee'],
  ])('%s → %s', (engine, family) => {
    expect(engineFamily(engine)).toBe(family);
  });
});
