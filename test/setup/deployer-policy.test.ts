import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployerPolicy } from '../../src/deploy/deployer-policy';
import { makeOcid } from '../../src/local-oci/ocid';
import { startLocalOci } from '../../src/local-oci/server';
import { seedFunctionApp } from '../../src/local-oci/services/functions-management';
import { parseSetupInput } from '../../src/setup/desired';
import { runSetup } from '../../src/setup/run';

// `npm run setup` run by a person of the deployers' group, who holds exactly the policy
// `npm run deployer-policy` prints, and the same proof as the function's: under it every part of
// set-up succeeds with no call denied, and without any one of its statements some part fails on
// the denial. Each part runs in a fresh local OCI, prepared by the administrator.

const ROOT = join(__dirname, '..', '..');
const GROUP = 'iam-onboarding-deployers';
const catalog = JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'examples', 'role-catalog.json'), 'utf8')));

/** The set-up file, for the compartment the tenancy gives. */
const setupFile = (compartmentId: string) => ({
  compartmentId,
  topic: { emails: ['iam-admins@example.com'] },
  uploads: { bucket: 'hr-uploads', prefix: 'incoming/', stateBucket: 'onboarding-state' },
  definedTags: { Operations: { CostCenter: 'iam-42' } },
  functionConfig: { ROLE_CATALOG: catalog },
});

/**
 * A tenancy where `fn deploy` has run, with the tag namespace the set-up file names, and a deployer
 * holding the statements `policyFor` gives for the tenancy's compartment.
 */
async function tenancy(policyFor: (compartmentId: string) => readonly string[]) {
  const oci = await startLocalOci();
  const compartmentId = oci.state.addCompartment('apps').id;
  const { fn } = seedFunctionApp(oci.state, { compartmentId, functionId: makeOcid('fnfunc') });
  const cp = oci.state.controlPlane;
  const timeCreated = new Date();
  cp.tagNamespaces.set('ns', { id: 'ns', compartmentId: oci.state.tenancy.id, name: 'Operations', description: '', timeCreated });
  cp.tags.set('tag', { id: 'tag', tagNamespaceId: 'ns', name: 'CostCenter', description: '', timeCreated });
  const deployer = oci.addUser({ name: 'dana.deployer', groups: [GROUP] });
  const id = makeOcid('policy');
  oci.state.policies.set(id, {
    id,
    compartmentId: oci.state.tenancy.id,
    name: 'iam-onboarding-deployers',
    description: 'What the deployers may do',
    statements: [...policyFor(compartmentId)],
    freeformTags: {},
    timeCreated,
    activeAt: 0,
  });
  return { oci, compartmentId, functionId: fn.id, deployer };
}

type Tenancy = Awaited<ReturnType<typeof tenancy>>;

/** Set-up with --apply, signed as `configFile`; a refused call is an outcome, not a throw. */
async function apply(t: Tenancy, configFile: string): Promise<{ ok: boolean; text: string }> {
  try {
    const outcome = await runSetup({
      input: setupFile(t.compartmentId),
      apply: true,
      configFile,
      endpointTemplate: t.oci.endpointTemplate,
      consistencyDelayMs: 10,
    });
    return { ok: outcome.problems.length === 0, text: [...outcome.problems, ...outcome.applied].join('; ') };
  } catch (error) {
    return { ok: false, text: (error as Error).message };
  }
}

/** What a part changes before the deployer runs: nothing, a converged tenancy, or one that drifted. */
const PARTS = {
  /** The first set-up: every create. */
  fresh: async () => undefined,
  /** A second set-up: every read of what is there (subscriptions, logs, the rule). */
  again: async (t: Tenancy) => {
    await apply(t, t.oci.credentials.files.configFile);
  },
  /** Set-up after an administrator changed everything it manages: every update. */
  drifted: async (t: Tenancy) => {
    await apply(t, t.oci.credentials.files.configFile);
    const { state } = t.oci;
    const cp = state.controlPlane;
    for (const group of state.dynamicGroups.values()) group.matchingRule = "ALL {resource.type = 'fnfunc'}";
    for (const policy of state.policies.values())
      if (policy.name === 'iam-onboarding-fn') policy.statements = policy.statements.slice(0, 1);
    const bucket = cp.buckets.get('hr-uploads');
    if (bucket) bucket.objectEventsEnabled = false;
    for (const rule of cp.rules.values()) rule.isEnabled = false;
    for (const log of cp.logs.values()) log.isEnabled = false;
    const fn = cp.functions.get(t.functionId);
    if (fn) fn.config = {};
  },
} as const;
type PartName = keyof typeof PARTS;

interface Run {
  readonly ok: boolean;
  readonly text: string;
  readonly denials: readonly string[];
  readonly called: ReadonlySet<string>;
}

/** The printed policy for a tenancy's compartment, less the statement at `drop`. */
const printed = (compartmentId: string, drop?: number) =>
  deployerPolicy(parseSetupInput(setupFile(compartmentId)), { name: GROUP })
    .map((s) => s.statement)
    .filter((_, i) => i !== drop);

/** One part in a fresh tenancy, the deployer holding the printed policy less the statement at `drop`. */
async function runPart(part: PartName, drop?: number): Promise<Run> {
  const t = await tenancy((compartmentId) => printed(compartmentId, drop));
  try {
    await PARTS[part](t);
    t.oci.authz.clearDenials();
    const mark = t.oci.requests.mark();
    const outcome = await apply(t, t.deployer.configFile);
    return {
      ...outcome,
      denials: t.oci.authz.denials().map((d) => `${d.service}:${d.operation} needs ${d.missing.map((m) => m.join('|')).join(', ')}`),
      called: new Set(t.oci.requests.entries(mark).map((e) => `${e.service}:${e.operation}`)),
    };
  } finally {
    await t.oci.stop();
  }
}

describe('set-up run by a deployer holding exactly the policy `npm run deployer-policy` prints', () => {
  const runs = new Map<PartName, Run>();

  it('is what the command prints', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'deployer-policy-'));
    const file = join(dir, 'setup.json');
    writeFileSync(file, JSON.stringify(setupFile('ocid1.compartment.oc1..apps')));
    // Act
    const json = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'deployer-policy.ts'), file, '--format', 'json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    // Assess
    expect((JSON.parse(json) as { statement: string }[]).map((s) => s.statement)).toEqual(printed('ocid1.compartment.oc1..apps'));
  });

  it('lets every part of set-up succeed with no call denied', async () => {
    for (const part of Object.keys(PARTS) as PartName[]) {
      // Act: the compartment OCID is new in each tenancy, so the statements are printed for it.
      const run = await runPart(part);
      runs.set(part, run);
    }
    // Assess
    expect([...runs].map(([part, run]) => [part, run.ok, run.denials])).toEqual([
      ['fresh', true, []],
      ['again', true, []],
      ['drifted', true, []],
    ]);
    expect(runs.get('fresh')?.called).toContain('identity:CreatePolicy');
    expect(runs.get('again')?.called).toContain('notifications:ListSubscriptions');
    expect(runs.get('drifted')?.called).toContain('identity:UpdateDynamicGroup');
    expect(runs.get('drifted')?.called).toContain('events:UpdateRule');
  }, 60_000);

  it('fails some part, naming the denial, without any one of its statements', async () => {
    const count = printed('ocid1.compartment.oc1..x').length;
    const unneeded: string[] = [];
    for (let index = 0; index < count; index++) {
      const outcomes: string[] = [];
      let needed = false;
      for (const part of Object.keys(PARTS) as PartName[]) {
        // Act
        const run = await runPart(part, index);
        outcomes.push(`${part}: ${run.ok ? 'succeeded' : 'failed'}, denied ${run.denials.join('; ') || 'nothing'}`);
        // Assess (collected): the part fails, and on a denial.
        needed = !run.ok && run.denials.length > 0;
        if (needed) break;
      }
      if (!needed) unneeded.push(`${printed('ocid1.compartment.oc1..x')[index]} (${outcomes.join('; ')})`);
    }
    expect(unneeded).toEqual([]);
  }, 240_000);
});
