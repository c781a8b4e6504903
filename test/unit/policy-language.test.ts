import { describe, expect, it, vi } from 'vitest';
import { lintFile, main } from '../../src/cli/lint-policy';
import { checkStatement, RULES } from '../../src/core/policy/lint';
import { normaliseStatement, renderNormal } from '../../src/core/policy/normal-form';
import { parseStatement } from '../../src/core/policy/parser';
import { demoCatalogJson, readFixture } from '../helpers';

const documented = readFixture('policies', 'oracle-docs-valid.txt')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));
const broken = JSON.parse(readFixture('policies', 'broken-and-dangerous.json')) as {
  statement: string;
  rule: string;
  column: number;
  suggestion?: string;
}[];

describe('the policy parser on statements from Oracle documentation', () => {
  it('has a corpus worth the name', () => {
    expect(documented.length).toBeGreaterThanOrEqual(40);
  });

  it.each(documented)('parses: %s', (statement) => {
    expect(checkStatement(statement).filter((f) => f.rule === 'syntax' || f.rule === 'unknown-resource-type')).toEqual([]);
  });

  it.each(documented)('has a stable normal form: %s', (statement) => {
    const normal = normaliseStatement(statement);
    expect(renderNormal(parseStatement(normal).statement)).toBe(normal);
    expect(normaliseStatement(normal)).toBe(normal);
  });

  it('reads every part of a statement', () => {
    expect(
      parseStatement(
        "Allow group 'My Domain'/'Net Admins', B to {OBJECT_READ} in compartment a:b where all {request.region = 'iad', target.bucket.name = /dev-*/}",
      ).statement,
    ).toEqual({
      kind: 'allow',
      subject: { kind: 'group', names: [{ domain: 'My Domain', name: 'Net Admins' }, { name: 'B' }] },
      grant: { kind: 'permissions', permissions: ['OBJECT_READ'], column: 44 },
      location: { kind: 'compartment', path: ['a', 'b'] },
      condition: {
        kind: 'all',
        items: [
          { kind: 'compare', variable: 'request.region', operator: '=', values: [{ kind: 'string', text: 'iad' }] },
          { kind: 'compare', variable: 'target.bucket.name', operator: '=', values: [{ kind: 'pattern', text: 'dev-*' }] },
        ],
      },
    });
  });
});

describe('findings on broken and dangerous statements', () => {
  it.each(broken)('$rule at column $column: $statement', ({ statement, rule, column, suggestion }) => {
    const findings = checkStatement(statement);
    const match = findings.find((f) => f.rule === rule);
    expect(match, JSON.stringify(findings)).toBeDefined();
    expect(match?.column).toBe(column);
    expect(match?.severity).toBe(RULES[rule as keyof typeof RULES].severity);
    if (suggestion) expect(match?.message).toContain(`did you mean "${suggestion}"?`);
  });

  it('passes the guarded form CIS OCI 1.3 recommends', () => {
    expect(checkStatement("Allow group IAMAdmins to use users in tenancy where target.group.name != 'Administrators'")).toEqual([]);
    expect(
      checkStatement(
        "Allow group IAMAdmins to use groups in tenancy where all {target.group.name != 'Administrators', request.region = 'iad'}",
      ),
    ).toEqual([]);
  });
});

describe('the whole language as Oracle publishes it', () => {
  it('reads Define compartment, with and without "id" (both forms appear on Oracle pages)', () => {
    expect(parseStatement('Define compartment Acceptor as id ocid1.compartment.oc1..aaaa').statement).toEqual({
      kind: 'define',
      what: 'compartment',
      alias: 'Acceptor',
      ocid: 'ocid1.compartment.oc1..aaaa',
    });
    expect(parseStatement('Define compartment Acceptor as ocid1.compartment.oc1..aaaa').statement).toMatchObject({ what: 'compartment' });
  });

  it('reads associate … with … in Endorse and Admit', () => {
    const endorse = parseStatement(
      'Endorse group NetAdmins to associate local-peering-gateways in compartment Requestor with local-peering-gateways in tenancy Acceptor',
    ).statement;
    expect(endorse).toMatchObject({
      kind: 'endorse',
      location: { kind: 'compartment', path: ['Requestor'] },
      grant: { kind: 'associate', resource: 'local-peering-gateways', withLocation: { kind: 'tenancy', alias: 'Acceptor' } },
    });
    const admit = parseStatement(
      'Admit group NetAdmins of tenancy Requestor to associate local-peering-gateways in tenancy Requestor with local-peering-gateways in compartment Shared',
    ).statement;
    expect(admit).toMatchObject({ kind: 'admit', ofTenancy: 'Requestor', location: { kind: 'tenancy', alias: 'Requestor' } });
    expect(checkStatement('Allow group X to associate vcns in tenancy with vcns in tenancy')[0]?.rule).toBe('syntax');
  });

  it('reads functions in conditions, and variables as values', () => {
    expect(
      parseStatement("Allow group X to read buckets in compartment A where sets-intersect(request.principal.group.tag.ns.role, ('a', 'b'))")
        .statement,
    ).toMatchObject({
      condition: {
        kind: 'compare',
        operator: 'sets-intersect',
        variable: 'request.principal.group.tag.ns.role',
        values: [
          { kind: 'string', text: 'a' },
          { kind: 'string', text: 'b' },
        ],
      },
    });
    expect(
      parseStatement('Allow any-user to use volumes in compartment A where target.compartment.id = request.principal.compartment.id')
        .statement,
    ).toMatchObject({ condition: { values: [{ kind: 'variable', text: 'request.principal.compartment.id' }] } });
  });

  it('reads Deny, Deny Admit and Deny Endorse (Oracle "Deny Policies"), and never flags a deny of manage', () => {
    expect(parseStatement('Deny admit group X of tenancy T to manage buckets in tenancy').statement).toMatchObject({
      kind: 'admit',
      deny: true,
    });
    expect(parseStatement('Deny endorse group X to manage buckets in any-tenancy').statement).toMatchObject({
      kind: 'endorse',
      deny: true,
    });
    expect(checkStatement('Deny any-user to manage all-resources in tenancy')).toEqual([]);
    expect(normaliseStatement('DENY Endorse group X to manage buckets in any-tenancy')).toBe(
      'deny endorse group x to manage buckets in any-tenancy',
    );
  });

  it('reads a resource principal subject as the PaaS prerequisites page writes it', () => {
    expect(parseStatement('Allow resource psmrp psm to inspect vcns in compartment A').statement).toMatchObject({
      subject: { kind: 'resource', resourceType: 'psmrp', names: ['psm'] },
    });
  });

  it('knows the resource types of the Policy Reference and names the nearest for a typo', () => {
    for (const type of ['secret-family', 'bastion-session', 'vss-family', 'fn-invocation', 'domains', 'cloud-guard-family', 'zpr-policy'])
      expect(checkStatement(`Allow group X to read ${type} in tenancy`)).toEqual([]);
    expect(checkStatement('Allow group X to read usage-report in tenancy')[0]?.message).toContain('nearest known: usage-reports');
  });
});

describe('guards, read as OCI reads them', () => {
  const clean = (statement: string) => expect(checkStatement(statement), statement).toEqual([]);

  it('a pin of target.group.name to names or patterns that cannot match Administrators is a guard', () => {
    clean("Allow group Ops to use groups in tenancy where target.group.name = 'developers'");
    clean('Allow group Ops to use groups in tenancy where target.group.name = /dev-*/');
    clean("Allow group Ops to use groups in tenancy where target.group.name in ('a', 'b')");
    clean("Allow group Ops to use users in tenancy where target.group.name not in ('Administrators', 'Auditors')");
    expect(checkStatement("Allow group Ops to use groups in tenancy where target.group.name in ('a', 'Administrators')")[0]?.rule).toBe(
      'iam-admin-unguarded',
    );
  });

  it('a grant whose only other way past the guard is read-only is guarded', () => {
    clean(
      "Allow group Ops to manage groups in tenancy where any {target.group.name != 'Administrators', request.permission = 'GROUP_INSPECT'}",
    );
    clean("Allow group Ops to manage policies in tenancy where any {target.policy.name = /team-*/, request.operation = 'ListPolicies'}");
  });

  it('users are guarded by membership, read-only or create-only conditions, and only those', () => {
    clean("Allow group HR to manage users in tenancy where any {request.permission = 'USER_CREATE', request.permission = 'USER_READ'}");
    expect(checkStatement("Allow group HR to manage users in tenancy where request.permission = 'USER_UPDATE'")[0]?.message).toMatch(
      /cannot be told apart from an administrator/,
    );
  });

  it('does not take a name pattern for a pin of who an any-user grant reaches', () => {
    // Act
    const findings = checkStatement('allow any-user to manage all-resources in compartment X where request.user.name = /__EXAMPLE__*/');
    // Assess: anyone who can name a user __EXAMPLE__… is reached.
    expect(findings).toEqual([expect.objectContaining({ rule: 'any-user-grant', severity: 'error', column: 1 })]);
    clean("allow any-user to manage all-resources in compartment X where request.user.id = 'ocid1.user.oc1..one'");
  });

  it('does not let any {} re-open Administrators through a membership-changing operation (CIS OCI 1.3)', () => {
    // Act: a domain's UpdateGroup changes members, and needs USER_UPDATE on each user it adds.
    const findings = checkStatement(
      "allow group G to manage users in tenancy where any {target.group.name != 'Administrators', request.operation = 'UpdateGroup'}",
    );
    // Assess
    expect(findings).toEqual([expect.objectContaining({ rule: 'iam-admin-unguarded', severity: 'error', column: 25 })]);
    clean("allow group G to manage users in tenancy where any {target.group.name != 'Administrators', request.operation = 'ListUsers'}");
  });

  it('checks a deny for what a deny gets wrong: it reaches its verb and every verb above it (Oracle "Deny Policies")', () => {
    // Act
    const inspect = checkStatement('Deny group Contractors to inspect buckets in compartment Finance');
    const lockout = checkStatement('Deny any-user to read all-resources in tenancy');
    const everyone = checkStatement('Deny any-group to inspect users in tenancy');
    // Assess
    expect(inspect).toEqual([expect.objectContaining({ rule: 'deny-reaches-up', severity: 'warning', column: 35 })]);
    expect(inspect[0]?.message).toContain('deny manage buckets');
    expect(lockout).toEqual([expect.objectContaining({ rule: 'deny-lockout', severity: 'error' })]);
    expect(everyone).toEqual([expect.objectContaining({ rule: 'deny-lockout', severity: 'error' })]);
    clean('Deny group Contractors to manage buckets in compartment Finance');
    clean('Deny group Contractors to use users in tenancy');
    clean(
      "Deny any-user to manage policies in tenancy where all {target.policy.type = 'deny', request.principal.id != 'ocid1.user.oc1..a'}",
    );
    clean('Deny group Contractors to {BUCKET_DELETE} in tenancy');
  });

  it('names the fix that fits the resource type', () => {
    expect(checkStatement('Allow group P to manage policies in tenancy')[0]?.message).toContain('target.policy.name');
    expect(checkStatement('Allow group P to manage groups in tenancy')[0]?.message).toContain("target.group.name != 'Administrators'");
    expect(checkStatement('Allow group P to manage domains in tenancy')[0]?.message).toContain('use or read domains');
  });
});

describe('normal form', () => {
  it('makes what OCI treats as the same compare equal: keyword case, spacing, quoting, name order', () => {
    expect(normaliseStatement("ALLOW group 'B', a  to READ buckets IN compartment Dev where target.bucket.name='X'")).toBe(
      normaliseStatement("Allow group A, B to read buckets in compartment dev where target.bucket.name = 'x'"),
    );
    expect(normaliseStatement('Allow group X to {OBJECT_READ, OBJECT_INSPECT} in tenancy')).toBe(
      normaliseStatement('Allow group X to {object_inspect,object_read} in tenancy'),
    );
    expect(normaliseStatement("Allow group X to read buckets in tenancy where any {request.region='a', request.region='b'}")).toBe(
      normaliseStatement("Allow group X to read buckets in tenancy where any {request.region='b', request.region='a'}"),
    );
  });
});

describe('lint-policy file formats', () => {
  it('reads statements one per line, skipping comments, with file positions', () => {
    const results = lintFile('# header\n\nAllow group X to read buckets in compartmnt dev\nAllow any-user to read buckets in tenancy\n');
    expect(results.map((r) => `${r.line}:${r.column} ${r.severity} ${r.rule}`)).toEqual(['3:34 error syntax', '4:1 error any-user-grant']);
  });

  it('reads a JSON array and points into the file', () => {
    const text = '[\n  "Allow group X to read buckets in tenancy",\n  "Allow group X to read bukets in tenancy"\n]\n';
    expect(lintFile(text).map((r) => `${r.line}:${r.column} ${r.rule}`)).toEqual(['3:26 unknown-resource-type']);
  });

  it('reads a role catalog, honouring rules it allows per statement', () => {
    const catalog = {
      version: 1,
      roles: {
        ops: {
          description: 'Operators',
          group: { name: 'ops', description: 'Operators' },
          policy: {
            name: 'ops',
            description: 'Operators',
            statements: [
              {
                statement: 'Allow group ${group} to manage users in tenancy',
                allow: ['iam-admin-unguarded'],
                reason: 'the ops team resets passwords for the help desk',
              },
              'Allow group ${group} to manage groups in tenancy',
            ],
          },
        },
      },
    };
    const results = lintFile(JSON.stringify(catalog, null, 2));
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      severity: 'error',
      rule: 'iam-admin-unguarded',
      message: expect.stringMatching(/^role ops: manage groups in tenancy/),
    });
  });

  it('reports the statement over the 50-statement budget', () => {
    const lines = Array.from({ length: 51 }, (_, i) => `Allow group X${i} to read buckets in tenancy`).join('\n');
    expect(lintFile(lines).map((r) => `${r.line} ${r.rule}`)).toEqual(['51 policy-statement-budget']);
  });

  it('points a catalog schema problem at the JSON line and column of the offending value', () => {
    // Prepare: a role whose group description is a number, and a policy with an unknown key
    const text = [
      '{',
      '  "version": 1,',
      '  "roles": {',
      '    "ops": {',
      '      "description": "Operators",',
      '      "group": { "name": "ops", "description": 42 },',
      '      "policy": { "name": "ops", "description": "d", "statements": ["Allow group ${group} to read buckets in tenancy"], "colour": "red" }',
      '    }',
      '  }',
      '}',
    ].join('\n');
    // Act
    const results = lintFile(text).map((r) => `${r.line}:${r.column} ${r.rule} ${r.message}`);
    // Assess: the number at 6:48, the unknown key reported at its object (7:17)
    expect(results).toEqual([
      expect.stringMatching(/^6:48 catalog roles\.ops\.group\.description: /),
      expect.stringMatching(/^7:17 catalog roles\.ops\.policy: Unrecognized key/),
    ]);
  });

  it('allows a rule for one plain-text statement with a reason, and refuses an allowance without one', () => {
    const allowed =
      '# lint-allow iam-admin-unguarded: the help desk resets passwords (SEC-1234)\nAllow group HelpDesk to manage users in tenancy\n';
    expect(lintFile(allowed)).toEqual([]);
    const next = `${allowed}Allow group Others to manage users in tenancy\n`;
    expect(lintFile(next).map((r) => `${r.line} ${r.rule}`)).toEqual(['3 iam-admin-unguarded']);
    expect(
      lintFile('# lint-allow iam-admin-unguarded: ok\nAllow group H to manage users in tenancy').map((r) => `${r.line} ${r.rule}`),
    ).toEqual(['1 input', '2 iam-admin-unguarded']);
    expect(lintFile('# lint-allow syntax: it is fine, really\nAllow group').map((r) => r.message)[0]).toBe(
      'a syntax error cannot be allowed',
    );
  });

  it('reads a JSON array of {statement, reason, allow}, as deploy-policy writes it', () => {
    const entries = [
      { statement: 'Allow group H to manage users in tenancy', reason: 'the help desk resets passwords', allow: ['iam-admin-unguarded'] },
      { statement: 'Allow group H to manage groups in tenancy', reason: 'not allowed here' },
    ];
    expect(lintFile(JSON.stringify(entries, null, 2)).map((r) => `${r.line}:${r.column} ${r.rule}`)).toEqual(['10:43 iam-admin-unguarded']);
  });
});

describe('npm run lint-policy', () => {
  const run = (argv: string[], files: Record<string, string> = {}, stdin = '') => {
    const lines: string[] = [];
    const errors: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    vi.spyOn(console, 'error').mockImplementation((line) => {
      errors.push(String(line));
    });
    const code = main(argv, {
      file: (path) => {
        const text = files[path.split('/').at(-1) ?? ''];
        if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return text;
      },
      stdin: () => stdin,
    });
    vi.restoreAllMocks();
    return { code, out: lines.join(''), errors };
  };

  it('reads standard input for "-"', () => {
    const { code, out } = run(['-'], {}, 'Allow any-user to read buckets in tenancy\n');
    expect(code).toBe(1);
    expect(out).toContain('<stdin>:1:1: error any-user-grant');
  });

  it('answers a missing file, a bad option or two files with one line and exit 2', () => {
    expect(run(['missing.txt'])).toEqual({ code: 2, out: '', errors: ['lint-policy: cannot read missing.txt: no such file'] });
    expect(run(['--strict-mode', 'a.txt']).errors).toEqual([
      expect.stringMatching(/^lint-policy: Unknown option '--strict-mode'.*; see --help$/),
    ]);
    expect(run(['a.txt', 'b.txt']).errors).toEqual(['lint-policy: one file at a time, not 2; see --help']);
    expect(run([]).code).toBe(2);
  });

  it('checks the policy names of a catalog against --policy-name-prefix, at the position of the name', () => {
    const { code, out } = run(['--policy-name-prefix', 'onboarding-', 'catalog.json'], { 'catalog.json': demoCatalogJson() });
    expect(code).toBe(1);
    expect(out).toContain(
      'catalog.json:11:17: error catalog: roles.developer.policy.name: policy name "developers-dev" must start with "onboarding-"',
    );
  });

  it('prints its usage for --help and exits 0', () => {
    const { code, out } = run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: npm run lint-policy -- \[--policy-name-prefix <prefix>\] <file \| ->/);
  });
});
