import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { seedFunctionApp } from '@oci-iam-onboarding/local-oci/services/functions-management';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run setup` as an administrator runs it: a file, a profile, a dry run, then --apply, then nothing to do.

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

async function setup(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'setup.ts'), ...args], {
      cwd: root,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run setup (the command)', () => {
  let oci: LocalOci;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    oci = await startLocalOci();
    const compartmentId = oci.state.addCompartment('apps').id;
    seedFunctionApp(oci.state, { compartmentId, functionId: 'ocid1.fnfunc.oc1..cli' });
    dir = mkdtempSync(join(tmpdir(), 'setup-cli-'));
    file = join(dir, 'setup.json');
    const catalog =
      '{"version":1,"roles":{"auditor":{"description":"Reads","group":{"name":"auditors","description":"Auditors"},"policy":{"name":"auditors","description":"Read","statements":["Allow group ${group} to inspect all-resources in tenancy"]}}}}';
    writeFileSync(file, JSON.stringify({ compartmentId, topic: { emails: ['a@example.com'] }, functionConfig: { ROLE_CATALOG: catalog } }));
  });
  afterAll(async () => {
    await oci.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the plan on a dry run, writes it with --apply, and then has nothing to do', async () => {
    // Prepare
    const common = [
      file,
      '--config-file',
      oci.credentials.files.configFile,
      '--profile',
      'DEFAULT',
      '--endpoint-template',
      oci.endpointTemplate,
    ];
    // Act
    const dry = await setup(common);
    const writesAfterDryRun = oci.requests.entries().filter((r) => r.method !== 'GET').length;
    const applied = await setup([...common, '--apply']);
    const again = await setup([...common, '--apply']);
    // Assess
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^\+ create {4}dynamic-group iam-onboarding-fn$/m);
    expect(dry.stdout).toMatch(/Dry run: nothing was written/);
    expect(writesAfterDryRun).toBe(0);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^ {2}created policy iam-onboarding-fn$/m);
    expect(again.stdout).toMatch(/0 to create, 0 to update, \d+ unchanged\n[\s\S]*Nothing to do\./);
  }, 60_000);

  it('answers a bad argument with exit 2 and a missing file with one line', async () => {
    // Act
    const typo = await setup([file, '--aply']);
    const missing = await setup([join(dir, 'nope.json')]);
    // Assess
    expect(typo.code).toBe(2);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('runs the set-up of docs/deploying.md as written: the example files copied beside each other, a dry run, --apply, then nothing to do', async () => {
    // Prepare: `cp examples/setup.json examples/role-catalog.json deploy/`, the placeholders replaced by
    // a fresh tenancy's compartments, where only the function has been deployed.
    const tenancy = await startLocalOci();
    const deploy = mkdtempSync(join(tmpdir(), 'deploy-'));
    const apps = tenancy.state.addCompartment('functions').id;
    seedFunctionApp(tenancy.state, { compartmentId: apps, functionId: 'ocid1.fnfunc.oc1..example' });
    const config = tenancy.state.addCompartment('config').id;
    tenancy.state.addCompartment('dev');
    tenancy.state.addCompartment('test');
    const example = readFileSync(join(root, 'examples', 'setup.json'), 'utf8')
      .replace('ocid1.compartment.oc1..replace-with-the-functions-compartment', apps)
      .replace('ocid1.compartment.oc1..replace-with-the-catalog-bucket-compartment', config);
    writeFileSync(join(deploy, 'setup.json'), example);
    copyFileSync(join(root, 'examples', 'role-catalog.json'), join(deploy, 'role-catalog.json'));
    const args = [
      join(deploy, 'setup.json'),
      '--config-file',
      tenancy.credentials.files.configFile,
      '--endpoint-template',
      tenancy.endpointTemplate,
    ];
    // Act
    const dry = await setup(args);
    const applied = await setup([...args, '--apply']);
    const again = await setup([...args, '--apply']);
    const stored = tenancy.state.buckets.get('iam-config')?.get('role-catalog.json')?.body.toString('utf8');
    await tenancy.stop();
    rmSync(deploy, { recursive: true, force: true });
    // Assess: the example and its catalog pass the function's own checks, and everything is written.
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^\+ create {4}catalog-object iam-config\/role-catalog.json$/m);
    // Step 6 of docs/deploying.md shows lines of this dry run, in its order.
    const readme = readFileSync(join(root, 'docs', 'deploying.md'), 'utf8');
    const step = readme.slice(readme.indexOf('\n### 6. '), readme.indexOf('\n### 7. '));
    const shown = (/\n```\n(\+ create[\s\S]*?)\n```\n/.exec(step)?.[1] ?? '').split('\n');
    const planned = dry.stdout.split('\n');
    expect(shown.length).toBeGreaterThan(5);
    let from = 0;
    const notInOrder: string[] = [];
    for (const line of shown) {
      const at = planned.indexOf(line, from);
      if (at < 0) notInOrder.push(line);
      else from = at + 1;
    }
    expect(notInOrder).toEqual([]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(stored).toBe(readFileSync(join(root, 'examples', 'role-catalog.json'), 'utf8'));
    // The second apply finds everything as the first left it, the detached timeout included: nothing to do.
    const left = again.stdout.split('\n').filter((line) => /^[+~] |^ {6}(?!note:)\S/.test(line));
    expect(again.code, again.stderr).toBe(0);
    expect(left).toEqual([]);
    expect(again.stdout).toMatch(/^= unchanged function-config function config$/m);
  }, 60_000);
});
