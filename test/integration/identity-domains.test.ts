import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { OnboardingResult } from '../../src/core/result';
import { startLocalStack } from '../../src/local-stack/stack';
import { scimFilter } from '../../src/oci/domain-directory';
import { startInProcess } from '../in-process';
import { scimClient, sdkClients } from '../local-oci/sdk';
import { newHire, outcomes, type Scenario, startInProcessScenario, startScenario } from './scenario';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('onboarding into an identity domain through the Fn FDK', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });

  it('creates the user in the domain with the Vault bootstrap password, groups and memberships by SCIM, policies naming Domain/Group', async () => {
    // Prepare
    scenario = await startInProcessScenario({ identityDomain: 'Employees', bootstrapPassword: 'Bootstrap-Passw0rd-1' });
    const { oci } = scenario.stack;
    // Act
    const { result, writes } = await scenario.onboard(newHire());
    // Assess
    expect(result.status).toBe('succeeded');
    expect(outcomes(result)).toEqual([
      'user:ada.lovelace+oci@example.com:created',
      'group:developers-dev:created',
      'group:auditors:created',
      'membership:developers-dev:added',
      'membership:auditors:added',
      'policy:developers-dev:created',
      'policy:auditors:created',
      'console-password:ada.lovelace+oci@example.com:created',
    ]);
    expect(result.steps.at(-1)?.reason).toMatch(/cannot require a change at first sign-in/);
    expect(writes).toBe(7);
    const [user] = [...(oci.state.domain?.users.values() ?? [])];
    expect(user).toMatchObject({
      userName: 'ada.lovelace+oci@example.com',
      externalId: 'E104233',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      notified: false,
    });
    expect(user?.passwordHash).toBe(sha256('Bootstrap-Passw0rd-1'));
    expect(result.userId).toBe(user?.ocid);
    // The two groups are created concurrently: in either order.
    expect(new Map([...(oci.state.domain?.groups.values() ?? [])].map((g) => [g.displayName, g.members.size]))).toEqual(
      new Map([
        ['developers-dev', 1],
        ['auditors', 1],
      ]),
    );
    expect(oci.state.users.size).toBe(0);
    expect([...oci.state.policies.values()].filter((p) => p.name === 'developers-dev').flatMap((p) => p.statements)[0]).toBe(
      'Allow group Employees/developers-dev to manage instance-family in compartment dev',
    );
  });

  it('writes nothing on a replay and never resets the password', async () => {
    scenario = await startInProcessScenario({ identityDomain: 'Employees' });
    await scenario.onboard(newHire());
    const replay = await scenario.onboard(newHire());
    expect(replay.writes).toBe(0);
    expect(replay.result.counts).toEqual({ created: 0, updated: 0, unchanged: 8, skipped: 0, failed: 0, added: 0, removed: 0, held: 0 });
    expect(replay.result.steps.at(-1)).toMatchObject({ outcome: 'unchanged', reason: 'the user has a password; it is never reset' });
    expect(scenario.stack.oci.requests.counts().PutUserPasswordChanger).toBeUndefined();
  });

  it('onboards a user name with +, \' and " in it, and finds it again on a replay', async () => {
    scenario = await startInProcessScenario({ identityDomain: 'Employees' });
    const tricky = newHire({ userName: `o'brien"+ada@example.com` });
    expect((await scenario.onboard(tricky)).result.status).toBe('succeeded');
    const replay = await scenario.onboard(tricky);
    expect([replay.result.status, replay.writes]).toEqual(['succeeded', 0]);
    expect([...(scenario.stack.oci.state.domain?.users.values() ?? [])].map((u) => u.userName)).toEqual([`o'brien"+ada@example.com`]);
  });

  it('refuses the same name on the classic path, naming the rule, and writes nothing', async () => {
    scenario = await startInProcessScenario();
    const { result, calls } = await scenario.onboard(newHire({ userName: `o'brien@example.com` }));
    expect(result).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'INVALID_EVENT', problems: [{ path: 'userName', message: expect.stringMatching(/classic IAM user names/) }] }],
    });
    expect(scenario.stack.oci.requests.iamWrites()).toHaveLength(0);
    expect(calls).toBeLessThanOrEqual(1); // at most the home-region look-up of a cold container
  });

  it('lets the bootstrap password appear nowhere but in the SCIM password field of the one create request', async () => {
    const canary = 'Canary-Domain-Passw0rd-9d1e';
    // A process of its own: every byte it writes, the SDK's and Node's included, is searched.
    scenario = await startScenario({ identityDomain: 'Employees', bootstrapPassword: canary, env: { LOG_LEVEL: 'debug' } });
    const bodies: string[] = [];
    for (const event of [newHire(), newHire(), newHire({ dryRun: true }), newHire({ userName: 'second@example.com', employeeId: 'E2' })]) {
      bodies.push(JSON.stringify((await scenario.onboard(event)).result));
    }
    const { oci, topicId } = scenario.stack;
    const carrying = oci.requests.entries().filter((e) => e.body.includes(canary));
    expect(carrying.map((e) => e.operation)).toEqual(['CreateUser', 'CreateUser']);
    for (const request of carrying) expect((JSON.parse(request.body) as { password: string }).password).toBe(canary);
    expect(carrying.every((e) => e.body.split(canary).length === 2)).toBe(true);
    const everywhereElse = [
      ...bodies,
      ...scenario.fn.stdout,
      ...scenario.fn.stderr,
      ...oci.state.messages(topicId).map((m) => `${m.title}${m.body}`),
    ].join('\n');
    expect(everywhereElse).not.toContain(canary);
  });

  it('gives the bootstrap password to an existing user without one only when configured, and sends the welcome e-mail when asked', async () => {
    const seed = async (options: Parameters<typeof startScenario>[0]) => {
      const s = await startInProcessScenario(options);
      const domain = s.stack.oci.state.domain;
      domain?.users.set('pre', {
        id: 'pre',
        ocid: 'ocid1.user.oc1..pre',
        userName: 'ada.lovelace+oci@example.com',
        externalId: 'E104233',
        description: 'Ada Lovelace (employee E104233)',
        name: {},
        emails: [{ value: 'ada.lovelace@example.com', type: 'work', primary: true }],
        active: true,
        notified: false,
        created: new Date(),
      });
      return s;
    };
    scenario = await seed({ identityDomain: 'Employees' });
    const off = await scenario.onboard(newHire());
    expect(off.result.steps.at(-1)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/SET_PASSWORD_FOR_EXISTING_USERS is off/),
    });
    expect(scenario.stack.oci.state.domain?.users.get('pre')?.passwordHash).toBeUndefined();
    await scenario.stop();

    scenario = await seed({ identityDomain: 'Employees', env: { SET_PASSWORD_FOR_EXISTING_USERS: 'true', DOMAIN_WELCOME_EMAIL: 'true' } });
    const on = await scenario.onboard(newHire());
    expect(on.result.steps.at(-1)).toMatchObject({ outcome: 'created', reason: expect.stringMatching(/existing user, who had none/) });
    expect(scenario.stack.oci.state.domain?.users.get('pre')?.passwordSetAt).toBeInstanceOf(Date);
    const again = await scenario.onboard(newHire());
    expect(again.writes).toBe(0);
    const created = await scenario.onboard(newHire({ userName: 'welcome@example.com', employeeId: 'E3' }));
    expect(created.result.status).toBe('succeeded');
    expect([...(scenario.stack.oci.state.domain?.users.values() ?? [])].find((u) => u.userName === 'welcome@example.com')?.notified).toBe(
      true,
    );
  });
});

describe('the Default domain through both IAM APIs, through the Fn FDK', () => {
  it('shows a hire made on either path to the other API with one OCID, and a replay on the other path writes nothing', async () => {
    // Prepare: a tenancy whose served domain is the Default one; the function on the domain path and,
    // from the same config less the domain, on the classic path (the default configuration).
    const stack = await startLocalStack({ identityDomain: 'Default', timing: { activationDelayMs: 0 } });
    const { IDENTITY_DOMAIN_URL: _url, IDENTITY_DOMAIN_NAME: _name, ...classicEnv } = stack.functionEnv;
    const domainFn = startInProcess({ env: stack.functionEnv });
    const classicFn = startInProcess({ env: classicEnv });
    const { identity: classic } = sdkClients(stack.oci);
    const scim = scimClient(stack.oci);
    const tenancy = stack.oci.credentials.tenancyId;
    const hire = (fn: typeof domainFn, event: unknown) => {
      const mark = stack.oci.requests.mark();
      return fn.invoke(JSON.stringify(event)).then((response) => ({
        result: response.json as OnboardingResult,
        writes: stack.oci.requests.iamWrites(mark).length,
        denials: stack.oci.authz.denials().length,
      }));
    };
    try {
      // Act: a hire on the classic path.
      const classicHire = newHire({ employeeId: 'C100', userName: 'classic.path@example.com', email: 'classic.path@example.com' });
      const made = await hire(classicFn, classicHire);
      // Assess: SCIM sees the same user, OCID and groups.
      expect(made.result.status).toBe('succeeded');
      const [seen] =
        (await scim.listUsers({ filter: scimFilter('userName', 'classic.path@example.com'), attributes: 'ocid,groups' })).users.resources ??
        [];
      expect(seen?.ocid).toBe(made.result.userId);
      const classicGroups = (await classic.listGroups({ compartmentId: tenancy })).items;
      expect(seen?.groups?.map((g) => g.ocid).sort()).toEqual(classicGroups.map((g) => g.id).sort());

      // Act: the same hire on the domain path, then a hire on the domain path replayed on the classic one.
      const replayOnDomain = await hire(domainFn, classicHire);
      const domainHire = newHire({ employeeId: 'D100', userName: 'domain.path@example.com', email: 'domain.path@example.com' });
      const viaDomain = await hire(domainFn, domainHire);
      const replayOnClassic = await hire(classicFn, domainHire);

      // Assess: each replay finds the other path's user, groups and memberships converged; no call was refused.
      expect(replayOnDomain.result.status).toBe('succeeded');
      expect(replayOnDomain.writes).toBe(0);
      expect(viaDomain.result.status).toBe('succeeded');
      const listed = (await classic.listUsers({ compartmentId: tenancy, name: 'domain.path@example.com' })).items;
      expect(listed.map((u) => u.id)).toEqual([viaDomain.result.userId]);
      const memberships = (await classic.listUserGroupMemberships({ compartmentId: tenancy, userId: listed[0]?.id ?? '' })).items;
      expect(memberships.map((m) => m.groupId).sort()).toEqual(classicGroups.map((g) => g.id).sort());
      expect(replayOnClassic.result.status).toBe('succeeded');
      expect(replayOnClassic.writes).toBe(0);
      expect([made.denials, replayOnDomain.denials, viaDomain.denials, replayOnClassic.denials]).toEqual([0, 0, 0, 0]);

      // Act: the domain-path hire leaves through the classic path, holding a credential of every kind.
      const scimId = [...(stack.oci.state.domain?.users.values() ?? [])].find((u) => u.userName === 'domain.path@example.com')?.id ?? '';
      for (const kind of ['apiKeys', 'authTokens', 'customerSecretKeys', 'smtpCredentials', 'oauth2ClientCredentials'] as const) {
        stack.oci.state.addCredential(scimId, kind);
      }
      const left = await hire(classicFn, { type: 'leaver', employeeId: 'D100', effectiveDate: '2026-01-31', reason: 'resigned' });
      // Assess: SCIM sees the memberships and credentials gone.
      expect(left.result.status).toBe('succeeded');
      expect(left.denials).toBe(0);
      const [after] = (await scim.getUser({ userId: scimId, attributes: 'groups' })).user.groups ?? [];
      expect(after).toBeUndefined();
      expect(stack.oci.state.credentialsOf(scimId)).toEqual([]);
    } finally {
      await Promise.all([domainFn.stop(), classicFn.stop()]);
      await stack.oci.stop();
    }
  });
});
