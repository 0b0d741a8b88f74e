// @ssmkit/core imports the EC2, ECS, RDS, Secrets Manager and STS client packages only when a
// lookup needs them: a tunnel to an instance id loads the SSM client alone. Checked in a child
// process, whose module cache starts empty.
import { describe, expect, test } from 'vitest';
import { runScript, withoutSdkWarning } from './run-script.js';

describe('AWS SDK packages loaded on demand', () => {
  test("a tunnel to an instance id loads only client-ssm; a database tunnel adds the lookups' packages", async () => {
    const result = await runScript('test/fixtures/sdk-packages.ts');
    expect(withoutSdkWarning(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const loaded = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
      instanceTunnel: string[];
      databaseTunnel: string[];
    };
    expect(loaded.instanceTunnel).toEqual(['client-ssm']);
    // RDS to find the database, EC2 to find a bastion in its VPC.
    expect(loaded.databaseTunnel).toEqual(expect.arrayContaining(['client-ec2', 'client-rds']));
  });
});
