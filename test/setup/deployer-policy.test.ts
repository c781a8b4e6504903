import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BucketSettings } from '@oci-iam-onboarding/local-oci/control-plane-state';
import { makeOcid } from '@oci-iam-onboarding/local-oci/ocid';
import { startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { seedFunctionApp } from '@oci-iam-onboarding/local-oci/services/functions-management';
import { describe, expect, it } from 'vitest';
import { deployerPolicy } from '../../src/deploy/deployer-policy';
import { parseSetupInput } from '../../src/setup/desired';
import { runSetup } from '../../src/setup/run';

// `npm run setup` run by a person of the deployers' group, who holds exactly the policy
// `npm run deployer-policy` prints, and the same proof as the function's: under it every part of
// set-up succeeds with no call denied, and without any one of its statements some part fails on
// the denial. Each part runs in a fresh local OCI, prepared by the administrator. Two set-ups:
// examples/setup.json as it is (its catalog file uploaded, the catalog's compartments checked), and
// one with an ONS trigger topic and an upload bucket that live in a compartment of their own.

const ROOT = join(__dirname, '..', '..');
const GROUP = 'iam-onboarding-deployers';
const EXAMPLE = JSON.parse(readFileSync(join(ROOT, 'examples', 'setup.json'), 'utf8')) as Record<string, unknown>;

const INLINE_CATALOG = JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'examples', 'role-catalog.json'), 'utf8')));

/** OCIDs by the name of what the administrator made: compartments, and topics. */
type Ids = Readonly<Record<string, string>>;

/** A set-up file and the tenancy it is run against. */
interface SetupCase {
  /** Compartments under the tenancy; the first holds the application and function. */
  readonly compartments: readonly string[];
  /** Topics and buckets that exist before set-up, each with its compartment's name. */
  readonly topics: readonly (readonly [name: string, compartment: string])[];
  readonly buckets: readonly (readonly [name: string, compartment: string])[];
  /** The catalog file beside the set-up file, when it names one. */
  readonly catalogFile?: string;
  readonly input: (ids: Ids) => Record<string, unknown>;
}

const CASES = {
  /** examples/setup.json, only its placeholder OCIDs replaced; its catalog names compartments dev and test. */
  example: {
    compartments: ['apps', 'config', 'dev', 'test'],
    topics: [],
    buckets: [],
    catalogFile: join(ROOT, 'examples', String(EXAMPLE.catalogFile)),
    input: (ids) => ({ ...EXAMPLE, compartmentId: ids.apps, compartments: { catalog: ids.config } }),
  },
  /** HR's topic and upload bucket in compartment hr; the function, the state bucket and the rest in apps. */
  triggers: {
    compartments: ['apps', 'hr'],
    topics: [['hr-events', 'hr']],
    buckets: [['hr-uploads', 'hr']],
    input: (ids) => ({
      compartmentId: ids.apps,
      uploads: { bucket: 'hr-uploads', prefix: 'incoming/', stateBucket: 'onboarding-state' },
      onsTriggers: [ids['hr-events']],
      definedTags: { Operations: { CostCenter: 'iam-42' } },
      // The catalog inline: no catalog object to upload, no compartments to check.
      functionConfig: { ROLE_CATALOG: INLINE_CATALOG },
    }),
  },
} as const satisfies Record<string, SetupCase>;
type CaseName = keyof typeof CASES;

const catalogText = (c: SetupCase) => (c.catalogFile ? readFileSync(c.catalogFile, 'utf8') : undefined);
/** Where what exists already is: what `--in NAME=OCID` tells the command. */
const placesOf = (c: SetupCase, ids: Ids) =>
  new Map([
    ...c.buckets.map(([name, compartment]) => [name, ids[compartment] ?? ''] as const),
    ...c.topics.map(([name, compartment]) => [ids[name] ?? '', ids[compartment] ?? ''] as const),
  ]);
/** The printed policy for a tenancy's OCIDs, less the statement at `drop`. */
const printed = (c: SetupCase, ids: Ids, drop?: number) =>
  deployerPolicy(parseSetupInput(c.input(ids)), { name: GROUP }, { catalogText: catalogText(c), places: placesOf(c, ids) })
    .map((s) => s.statement)
    .filter((_, i) => i !== drop);
/** OCIDs for printing without a tenancy. */
const fakeIds = (c: SetupCase): Ids =>
  Object.fromEntries([
    ...c.compartments.map((name) => [name, `ocid1.compartment.oc1..${name}`]),
    ...c.topics.map(([name]) => [name, `ocid1.onstopic.oc1..${name}`]),
  ]);

/**
 * A tenancy where `fn deploy` has run, with what the case says exists, the tag namespace the set-up
 * file may name, and a deployer holding the statements printed for it less the one at `drop`.
 */
async function tenancy(c: SetupCase, drop?: number) {
  const oci = await startLocalOci();
  const ids: Record<string, string> = {};
  for (const name of c.compartments) ids[name] = oci.state.addCompartment(name).id;
  for (const [name, compartment] of c.topics) ids[name] = oci.state.addTopic(name, ids[compartment]).id;
  const cp = oci.state.controlPlane;
  const timeCreated = new Date();
  for (const [name, compartment] of c.buckets) {
    oci.state.buckets.set(name, new Map());
    const bucket: BucketSettings = {
      name,
      compartmentId: ids[compartment] ?? '',
      objectEventsEnabled: false,
      publicAccessType: 'NoPublicAccess',
      storageTier: 'Standard',
      versioning: 'Disabled',
      etag: 'e1',
      timeCreated,
      freeformTags: {},
      definedTags: {},
    };
    cp.buckets.set(name, bucket);
  }
  const compartmentId = ids[c.compartments[0] ?? ''] ?? '';
  const { fn } = seedFunctionApp(oci.state, { compartmentId, functionId: makeOcid('fnfunc') });
  cp.tagNamespaces.set('ns', { id: 'ns', compartmentId: oci.state.tenancy.id, name: 'Operations', description: '', timeCreated });
  cp.tags.set('tag', { id: 'tag', tagNamespaceId: 'ns', name: 'CostCenter', description: '', timeCreated });
  const deployer = oci.addUser({ name: 'dana.deployer', groups: [GROUP] });
  const id = makeOcid('policy');
  oci.state.policies.set(id, {
    id,
    compartmentId: oci.state.tenancy.id,
    name: 'iam-onboarding-deployers',
    description: 'What the deployers may do',
    statements: printed(c, ids, drop),
    freeformTags: {},
    timeCreated,
    activeAt: 0,
  });
  return { oci, setup: c, ids, functionId: fn.id, deployer };
}

type Tenancy = Awaited<ReturnType<typeof tenancy>>;

/** Set-up with --apply, signed as `configFile`; a refused call is an outcome, not a throw. */
async function apply(t: Tenancy, configFile: string): Promise<{ ok: boolean; applied: number; text: string }> {
  try {
    const outcome = await runSetup({
      input: t.setup.input(t.ids),
      catalogText: catalogText(t.setup),
      apply: true,
      configFile,
      endpointTemplate: t.oci.endpointTemplate,
      consistencyDelayMs: 10,
    });
    return {
      ok: outcome.problems.length === 0,
      applied: outcome.applied.length,
      text: [...outcome.problems, ...outcome.applied].join('; '),
    };
  } catch (error) {
    return { ok: false, applied: 0, text: (error as Error).message };
  }
}

/** What a part changes before the deployer runs: nothing, a converged tenancy, or one that drifted. */
const PARTS = {
  /** The first set-up: every create. */
  fresh: async () => undefined,
  /** A second set-up: every read of what is there (subscriptions, logs, the rule, the catalog). */
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
    const uploads = cp.buckets.get('hr-uploads');
    if (uploads) uploads.objectEventsEnabled = false;
    for (const rule of cp.rules.values()) rule.isEnabled = false;
    for (const log of cp.logs.values()) log.isEnabled = false;
    const fn = cp.functions.get(t.functionId);
    if (fn) fn.config = {};
    // The catalog edited by hand, its bucket made public: set-up overwrites the one, closes the other.
    const catalogBucket = cp.buckets.get('iam-config');
    if (catalogBucket) {
      catalogBucket.publicAccessType = 'ObjectRead';
      state.putObject('iam-config', 'role-catalog.json', '{"version":1,"roles":{}}', 'application/json');
    }
  },
} as const;
type PartName = keyof typeof PARTS;

interface Run {
  readonly ok: boolean;
  readonly applied: number;
  readonly text: string;
  readonly denials: readonly string[];
  readonly called: ReadonlySet<string>;
}

/** One part in a fresh tenancy, the deployer holding the printed policy less the statement at `drop`. */
async function runPart(name: CaseName, part: PartName, drop?: number): Promise<Run> {
  const t = await tenancy(CASES[name], drop);
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

/** The calls each part of each set-up must make under the printed policy: what the policy is proved on. */
const MUST_CALL: Record<CaseName, Record<PartName, readonly string[]>> = {
  example: {
    fresh: [
      'identity:CreatePolicy',
      'identity:ListCompartments',
      'objectstorage:CreateBucket',
      'objectstorage:PutObject',
      'notifications:CreateSubscription',
      'functions:UpdateFunction',
    ],
    again: ['notifications:ListSubscriptions', 'objectstorage:GetObject', 'objectstorage:GetBucket', 'events:GetRule'],
    drifted: ['identity:UpdateDynamicGroup', 'events:UpdateRule', 'objectstorage:UpdateBucket', 'objectstorage:PutObject'],
  },
  triggers: {
    fresh: ['notifications:GetTopic', 'notifications:CreateSubscription', 'events:CreateRule', 'objectstorage:UpdateBucket'],
    again: ['notifications:ListSubscriptions', 'notifications:GetTopic', 'events:GetRule'],
    drifted: ['events:UpdateRule', 'objectstorage:UpdateBucket', 'functions:UpdateFunction'],
  },
};

describe.each(
  Object.keys(CASES) as CaseName[],
)('set-up (%s) run by a deployer holding exactly what `npm run deployer-policy` prints', (name) => {
  const c: SetupCase = CASES[name];

  it('is what the command prints for the set-up file beside its catalog file', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'deployer-policy-'));
    const file = join(dir, 'setup.json');
    const ids = fakeIds(c);
    writeFileSync(file, JSON.stringify(c.input(ids)));
    if (c.catalogFile) copyFileSync(c.catalogFile, join(dir, String(EXAMPLE.catalogFile)));
    const places = [...placesOf(c, ids)].flatMap(([what, at]) => ['--in', `${what}=${at}`]);
    // Act
    const json = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'deployer-policy.ts'), file, ...places, '--format', 'json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    // Assess
    expect((JSON.parse(json) as { statement: string }[]).map((s) => s.statement)).toEqual(printed(c, ids));
  });

  it('lets every part of set-up succeed with no call denied', async () => {
    const runs = new Map<PartName, Run>();
    for (const part of Object.keys(PARTS) as PartName[]) {
      // Act: the OCIDs are new in each tenancy, so the statements are printed for them.
      runs.set(part, await runPart(name, part));
    }
    // Assess
    expect([...runs].map(([part, run]) => [part, run.ok ? 'succeeded' : run.text, run.denials])).toEqual([
      ['fresh', 'succeeded', []],
      ['again', 'succeeded', []],
      ['drifted', 'succeeded', []],
    ]);
    const missing = (Object.keys(PARTS) as PartName[]).flatMap((part) =>
      MUST_CALL[name][part].filter((call) => !runs.get(part)?.called.has(call)).map((call) => `${part}: ${call}`),
    );
    expect(missing).toEqual([]);
    // A second set-up writes nothing: the function's config and detached timeout read back as written.
    expect(runs.get('again')?.applied).toBe(0);
    expect(runs.get('again')?.called.has('functions:UpdateFunction')).toBe(false);
  }, 120_000);

  it('fails some part, naming the denial, without any one of its statements', async () => {
    const statements = printed(c, fakeIds(c));
    // One statement dropped at a time, four of them at once: each against a local OCI of its own.
    const judge = async (index: number): Promise<string | undefined> => {
      const outcomes: string[] = [];
      for (const part of Object.keys(PARTS) as PartName[]) {
        // Act
        const run = await runPart(name, part, index);
        outcomes.push(`${part}: ${run.ok ? 'succeeded' : 'failed'}, denied ${run.denials.join('; ') || 'nothing'}`);
        // Assess (collected): the part fails, and on a denial.
        if (!run.ok && run.denials.length > 0) return undefined;
      }
      return `${statements[index]} (${outcomes.join('; ')})`;
    };
    const unneeded: string[] = [];
    for (let from = 0; from < statements.length; from += 4) {
      const batch = statements.slice(from, from + 4).map((_, k) => judge(from + k));
      for (const verdict of await Promise.all(batch)) if (verdict) unneeded.push(verdict);
    }
    expect(unneeded).toEqual([]);
  }, 480_000);
});
