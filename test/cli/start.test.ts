import { describe, expect, it } from 'vitest';
import { run } from './run';

describe('npm start', () => {
  it('shows an identity-domain tenancy: the user created with the Vault bootstrap password, a replay that writes nothing', async () => {
    // Act: the demo, as `npm start` runs it (the bundle is built by the test set-up).
    const { code, stdout, leftovers } = await run('start', []);

    // Assess
    expect(stdout).toMatch(/^Tenancy: identity domain Employees/m);
    expect(stdout).toMatch(/^1\. A new hire .*: succeeded in \d+ ms, [1-9]\d* IAM writes/m);
    expect(stdout).toMatch(/created +console-password/);
    expect(stdout).toMatch(/password set at creation from the Vault bootstrap secret/);
    expect(stdout).toMatch(/^2\. The same event again .*: succeeded in \d+ ms, 0 IAM writes/m);
    expect(stdout).toMatch(/^3\. A mover .*: succeeded in \d+ ms, [1-9]\d* IAM writes/m);
    expect(stdout).toMatch(/removed +membership +auditors/);
    expect(stdout).toMatch(/^4\. The mover again: succeeded in \d+ ms, 0 IAM writes/m);
    expect(stdout).toMatch(/^5\. A leaver .*: succeeded in \d+ ms, [1-9]\d* IAM writes/m);
    expect(stdout).toMatch(/updated +sign-in/);
    expect(stdout).toMatch(/^6\. The leaver again: succeeded in \d+ ms, 0 IAM writes/m);
    expect(stdout).toMatch(/^OK: every scene held \(\d+\)\.$/m);
    expect(stdout).not.toContain('Local-Bootstrap-Password-1!');
    expect(code).toBe(0);
    expect(leftovers).toEqual([]);
  });
});
