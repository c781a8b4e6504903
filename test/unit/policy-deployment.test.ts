import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main as deployPolicyCli } from '../../src/cli/deploy-policy';
import { lintFile } from '../../src/cli/lint-policy';
import { parseConfig } from '../../src/config';
import { checkStatement } from '../../src/core/policy/lint';
import { parseStatement } from '../../src/core/policy/parser';
import { parseRoleCatalogText } from '../../src/core/role-catalog';
import { type DeploymentPolicyInput, deploymentPolicy } from '../../src/deploy/deployment-policy';
import { ValidationError } from '../../src/support/errors';
import { demoCatalogJson } from '../helpers';

const TOPIC = 'ocid1.onstopic.oc1.iad.aaaatopic';
const BOOTSTRAP = 'ocid1.vaultsecret.oc1.iad.aaaabootstrap';
const WEBHOOK = 'ocid1.vaultsecret.oc1.iad.aaaawebhook';
const FUNCTION = 'ocid1.fnfunc.oc1.iad.aaaafunction';

/** Every path the function has: uploads and state, webhooks, a catalog in Object Storage. */
const fullConfig = (extra: Record<string, string> = {}) =>
  parseConfig({
    ONS_TOPIC_ID: TOPIC,
    ROLE_CATALOG_BUCKET: 'config',
    ROLE_CATALOG_OBJECT: 'iam/role-catalog.json',
    ONBOARDING_BUCKET: 'hr-uploads',
    ONBOARDING_PREFIX: 'incoming/',
    STATE_BUCKET: 'iam-state',
    WEBHOOK_SECRET_ID: WEBHOOK,
    POLICY_NAME_PREFIX: 'onboarding-',
    ...extra,
  });
const input = (config = fullConfig(), extra: Partial<DeploymentPolicyInput> = {}): DeploymentPolicyInput => ({
  config,
  dynamicGroup: { name: 'iam-onboarding-fn' },
  functionId: FUNCTION,
  compartments: { function: 'iam', topic: 'iam', secrets: 'security:vaults', catalog: 'iam', uploads: 'hr', state: 'iam' },
  ...extra,
});
const text = (i: DeploymentPolicyInput) =>
  deploymentPolicy(i)
    .statements.flatMap((s) => [s.allow ? `# lint-allow ${s.allow.join(', ')}: ${s.reason}` : `# ${s.reason}`, s.statement])
    .join('\n');

describe('deploymentPolicy', () => {
  it('is lint-clean: every statement parses, and only the user writes break a rule, on purpose and with a reason', () => {
    // Prepare: classic IAM and an identity domain other than Default
    const domain = fullConfig({
      IDENTITY_DOMAIN_URL: 'https://idcs-1.identity.oraclecloud.com',
      BOOTSTRAP_SECRET_ID: BOOTSTRAP,
      IDENTITY_DOMAIN_NAME: 'Employees',
    });
    for (const config of [fullConfig(), domain]) {
      // Act
      const { statements } = deploymentPolicy(input(config));
      // Assess
      expect(lintFile(text(input(config)))).toEqual([]);
      expect(statements.every((s) => s.reason.length >= 10)).toBe(true);
      const allowed = statements.filter((s) => s.allow);
      expect(allowed).toHaveLength(1);
      expect(allowed[0]?.statement).toContain("request.permission = 'USER_UPDATE'");
      expect(checkStatement(allowed[0]?.statement ?? '').map((f) => f.rule)).toEqual(allowed[0]?.allow);
    }
  });

  it('covers every call the function makes, each by its permission in the Policy Reference', () => {
    const all = deploymentPolicy(input())
      .statements.map((s) => s.statement)
      .join('\n');
    for (const needed of [
      'inspect tenancies in tenancy',
      'inspect users in tenancy',
      'inspect groups in tenancy',
      'inspect policies in tenancy',
      ...['USER_CREATE', 'USER_UPDATE', 'USER_DELETE', 'USER_APIKEY_REMOVE', 'USER_AUTHTOKEN_REMOVE', 'USER_SECRETKEY_REMOVE'],
      ...['USER_OAUTH2_CLIENT_CRED_REMOVE', 'CREDENTIAL_REMOVE', 'GROUP_CREATE', 'GROUP_UPDATE', 'POLICY_CREATE', 'POLICY_UPDATE'],
      "use ons-topics in compartment iam where request.permission = 'ONS_TOPIC_PUBLISH'",
      `read secret-bundles in compartment security:vaults where target.secret.id = '${WEBHOOK}'`,
      "target.bucket.name = 'config', target.object.name = 'iam/role-catalog.json'",
      'target.object.name = /incoming*/',
      "target.bucket.name = 'iam-state'",
      "use fn-invocation in compartment iam where request.operation = 'InvokeFunction'",
    ])
      expect(all).toContain(needed);
    expect(deploymentPolicy(input()).matchingRule).toBe(`ALL {resource.type = 'fnfunc', resource.id = '${FUNCTION}'}`);
  });

  it('never grants what the function does not call', () => {
    const statements = deploymentPolicy(input()).statements.map((s) => parseStatement(s.statement).statement);
    const all = deploymentPolicy(input())
      .statements.map((s) => s.statement)
      .join('\n');
    expect(all).not.toMatch(/all-resources|POLICY_DELETE|GROUP_DELETE|OBJECT_DELETE|USER_APIKEY_ADD|USER_UIPASS/);
    // It never uploads in parts: no multipart operation, no bucket read for ListMultipartUploads.
    expect(all).not.toMatch(/MultipartUpload|BUCKET_READ|read buckets/);
    expect(statements.every((s) => s.kind === 'allow' && s.subject.kind === 'dynamic-group')).toBe(true);
    const policyWrites = deploymentPolicy(input()).statements.filter((s) => s.statement.includes('manage policies'));
    expect(policyWrites.map((s) => s.statement)).toEqual([
      "Allow dynamic-group iam-onboarding-fn to manage policies in tenancy where all {target.policy.name = /onboarding-*/, any {request.permission = 'POLICY_CREATE', request.permission = 'POLICY_UPDATE'}}",
    ]);
  });

  it('pins the policy writes to the catalog policy names when no prefix is set, where the catalog attaches them', () => {
    // Prepare: the demo catalog, one role attaching its policy to a compartment
    const catalogJson = JSON.parse(demoCatalogJson());
    catalogJson.roles.auditor.policy.compartmentId = 'ocid1.compartment.oc1..audit';
    const catalog = parseRoleCatalogText(JSON.stringify(catalogJson), 'test');
    const config = parseConfig({ ONS_TOPIC_ID: TOPIC, ROLE_CATALOG: JSON.stringify(catalogJson) });
    // Act
    const writes = deploymentPolicy(input(config, { catalog })).statements.filter((s) => s.statement.includes('manage policies'));
    // Assess
    expect(writes.map((s) => s.statement.replace(/^Allow dynamic-group iam-onboarding-fn to /, ''))).toEqual([
      "manage policies in compartment id ocid1.compartment.oc1..audit where all {any {target.policy.name = 'auditors', target.policy.name = 'developers-dev', target.policy.name = 'developers-test'}, any {request.permission = 'POLICY_CREATE', request.permission = 'POLICY_UPDATE'}}",
      "manage policies in tenancy where all {any {target.policy.name = 'auditors', target.policy.name = 'developers-dev', target.policy.name = 'developers-test'}, any {request.permission = 'POLICY_CREATE', request.permission = 'POLICY_UPDATE'}}",
    ]);
  });

  it('keeps an identity domain path to that domain, and names the domain group in the subject when asked', () => {
    const config = fullConfig({
      IDENTITY_DOMAIN_URL: 'https://idcs-1.identity.oraclecloud.com',
      BOOTSTRAP_SECRET_ID: BOOTSTRAP,
      IDENTITY_DOMAIN_NAME: 'Employees',
    });
    const { statements } = deploymentPolicy(input(config, { dynamicGroup: { name: 'fn', domain: 'Ops Domain' } }));
    const iam = statements.filter((s) => / (users|groups) in tenancy/.test(s.statement));
    expect(iam.every((s) => s.statement.includes("target.resource.domain.name = 'Employees'"))).toBe(true);
    expect(statements[0]?.statement).toMatch(/^Allow dynamic-group 'Ops Domain'\/fn to /);
    expect(statements.find((s) => s.allow)?.allow).toEqual(['domain-admin']);
    expect(statements.map((s) => s.statement).join('\n')).toContain(
      `any {target.secret.id = '${BOOTSTRAP}', target.secret.id = '${WEBHOOK}'}`,
    );
  });

  it('lets the function use the tag namespaces of DEFINED_TAGS, and no other', () => {
    const config = { ...fullConfig(), DEFINED_TAGS: { Operations: { CostCenter: '42' }, HR: { Owner: 'onboarding' } } };
    const tags = deploymentPolicy(input(config)).statements.filter((s) => s.statement.includes('tag-namespaces'));
    expect(tags.map((s) => s.statement)).toEqual([
      "Allow dynamic-group iam-onboarding-fn to use tag-namespaces in tenancy where any {target.tag-namespace.name = 'HR', target.tag-namespace.name = 'Operations'}",
    ]);
    expect(checkStatement(tags[0]?.statement ?? '')).toEqual([]);
    expect(deploymentPolicy(input()).statements.some((s) => s.statement.includes('tag-namespaces'))).toBe(false);
  });

  it('refuses to guess: a missing compartment, or policy writes with neither prefix nor catalog, is an error naming it', () => {
    const missing = () => deploymentPolicy(input(fullConfig(), { compartments: { function: 'iam', topic: 'iam' } }));
    expect(missing).toThrow(ValidationError);
    try {
      missing();
    } catch (error) {
      expect((error as ValidationError).problems.map((p) => p.path)).toEqual([
        'compartments.secrets',
        'compartments.catalog',
        'compartments.uploads',
        'compartments.state',
      ]);
    }
    const { POLICY_NAME_PREFIX: _, ...rest } = fullConfig();
    expect(() => deploymentPolicy(input(rest as ReturnType<typeof fullConfig>))).toThrow(/cannot be narrowed/);
  });
});

describe('npm run deploy-policy', () => {
  const stdout = () => {
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return () => spy.mock.calls.map((c) => String(c[0])).join('');
  };
  afterEach(() => vi.restoreAllMocks());

  it('prints the demo policy as text that lint-policy passes, as JSON, and as OCI CLI commands', () => {
    const printed = stdout();
    expect(deployPolicyCli([])).toBe(0);
    expect(lintFile(printed())).toEqual([]);
    vi.restoreAllMocks();

    const json = stdout();
    expect(deployPolicyCli(['--format', 'json'])).toBe(0);
    const entries = JSON.parse(json()) as { statement: string; reason: string }[];
    expect(entries.length).toBeGreaterThan(10);
    expect(lintFile(JSON.stringify(entries, null, 2))).toEqual([]);
    vi.restoreAllMocks();

    const cli = stdout();
    expect(deployPolicyCli(['--format', 'oci-cli', '--policy-name', 'fn-policy'])).toBe(0);
    expect(cli()).toMatch(/^oci iam dynamic-group create .*--matching-rule 'ALL \{resource.type = '\\''fnfunc'\\''/m);
    expect(cli()).toMatch(
      /^oci iam policy create --compartment-id ocid1\.tenancy\.oc1\.\.\S+ --name 'fn-policy' .*--statements '\["Allow dynamic-group/m,
    );
  });

  it('prints OCI CLI commands that, run as printed, create the dynamic group every statement grants', () => {
    // Prepare: the commands run by a shell, with `oci` a function that prints its arguments as JSON.
    const cli = stdout();
    expect(deployPolicyCli(['--format', 'oci-cli'])).toBe(0);
    const script = `oci() { node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- "$@"; }\n${cli()}`;
    // Act
    const calls = execFileSync('bash', ['-c', script], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
    // Assess
    const option = (args: string[], name: string) => args[args.indexOf(name) + 1] ?? '';
    const [group, policy] = calls as [string[], string[]];
    expect(group.slice(0, 3)).toEqual(['iam', 'dynamic-group', 'create']);
    expect(policy.slice(0, 3)).toEqual(['iam', 'policy', 'create']);
    const statements = JSON.parse(option(policy, '--statements')) as string[];
    expect(statements.length).toBeGreaterThan(10);
    const granted = new Set(
      statements.map((st) => {
        const { subject } = parseStatement(st).statement as { subject: { kind: string; names?: { name: string }[] } };
        return `${subject.kind} ${subject.names?.map((n) => n.name).join(',')}`;
      }),
    );
    expect([...granted]).toEqual([`dynamic-group ${option(group, '--name')}`]);
    expect(option(group, '--name')).toBe('iam-onboarding-fn');
    // The policy is named as npm run setup names it, and the rule names this function alone.
    expect(option(policy, '--name')).toBe('iam-onboarding-fn');
    expect(option(group, '--matching-rule')).toBe(
      "ALL {resource.type = 'fnfunc', resource.id = 'ocid1.fnfunc.oc1.iad.aaaaaaaaexamplefunction'}",
    );
  });

  it('prints for the demo exactly the policy step 8 of docs/deploying.md shows', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', 'docs', 'deploying.md'), 'utf8');
    const step = readme.slice(readme.indexOf('\n### 8. Policies'), readme.indexOf('\n### 9. '));
    const shown = /\n {3}```\n([\s\S]*?)\n {3}```\n/.exec(step)?.[1]?.replace(/^ {3}/gm, '');
    const printed = stdout();
    // Act
    expect(deployPolicyCli([])).toBe(0);
    // Assess
    expect(shown).toBeDefined();
    expect(printed().trimEnd()).toBe(shown);
  });

  it('answers a bad argument or a missing file with one line and exit 2', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(deployPolicyCli(['--format', 'yaml'])).toBe(2);
    expect(deployPolicyCli(['--nope'])).toBe(2);
    expect(deployPolicyCli(['--input', '/nonexistent/deployment.json'])).toBe(2);
    expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([
      'deploy-policy: --format is one of text, json, oci-cli, not "yaml"; see --help',
      expect.stringMatching(/^deploy-policy: Unknown option '--nope'.*; see --help$/),
      'deploy-policy: cannot read the input /nonexistent/deployment.json: no such file',
    ]);
  });
});
