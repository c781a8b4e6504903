import { seedFunctionGrant } from '@oci-iam-onboarding/local-oci/authz/seed';
import { makeOcid } from '@oci-iam-onboarding/local-oci/ocid';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';
import { IdentityDomainsClient, type models } from 'oci-identitydomains';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfiguration } from '../../src/oci/clients';
import { failure, sdkClients } from './sdk';

// The points where the local OCI's reading of the policy language follows one Oracle page in
// particular, each through the real SDK: the page is named in each case.

const DENY_POLICIES = 'Deny Policies (/iaas/Content/Identity/policysyntax/denypolicies.htm)';
const POLICY_SYNTAX = 'Policy Syntax (/iaas/Content/Identity/policysyntax/subject.htm)';
const GENERAL_VARIABLES =
  'General Variables for All Requests (/iaas/Content/Identity/policyreference/policyreference_topic-General_Variables_for_All_Requests.htm)';
const IAM_DETAILS = 'Details for IAM without Identity Domains (/iaas/Content/Identity/policyreference/iampolicyreference.htm)';
const POLICY_ATTACHMENT = 'Policy Attachment (/iaas/Content/Identity/policieshow/Policy_Attachment.htm)';
const HOW_POLICIES_WORK = 'How Policies Work (/iaas/Content/Identity/Concepts/policies.htm)';

function functionClients(oci: LocalOci) {
  const previous = { ...process.env };
  Object.assign(process.env, oci.credentials.resourcePrincipalEnv);
  try {
    return sdkClients(oci, oci.homeRegion, common.ResourcePrincipalAuthenticationDetailsProvider.builder());
  } finally {
    process.env = previous;
  }
}

/** Real SDK clients signing with a person's own API key. */
function personClients(oci: LocalOci, configFile: string) {
  return sdkClients(oci, oci.homeRegion, new common.ConfigFileAuthenticationDetailsProvider(configFile));
}

/** A policy attached to `compartmentId`, written as an administrator would. */
function attachPolicy(oci: LocalOci, name: string, compartmentId: string, statements: string[]): void {
  const id = makeOcid('policy');
  const now = new Date();
  oci.state.policies.set(id, { id, compartmentId, name, description: name, statements, freeformTags: {}, timeCreated: now, activeAt: 0 });
}

describe('the local OCI follows Oracle pages, through the real SDK', () => {
  let oci: LocalOci;
  let admin: ReturnType<typeof sdkClients>;
  let fn: ReturnType<typeof functionClients>;
  let functions: string;
  let userId: string;
  const grant = (statements: string[]) =>
    seedFunctionGrant(oci.state, functions, { dynamicGroupName: 'fn', policyName: 'fn-policy', statements });
  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      () => 'allowed',
      (error: { statusCode?: number }) => (error.statusCode === 404 ? 'denied' : `failed ${String(error.statusCode)}`),
    );

  beforeAll(async () => {
    oci = await startLocalOci();
    admin = sdkClients(oci);
    fn = functionClients(oci);
    functions = [...oci.state.compartments.values()].find((c) => c.name === 'functions')?.id ?? '';
    const created = await admin.identity.createUser({
      createUserDetails: { compartmentId: admin.tenancyId, name: 'target.person', description: 'd' },
    });
    userId = created.user.id;
  });
  afterAll(() => oci.stop());
  beforeEach(() => {
    oci.state.policies.clear();
    oci.state.dynamicGroups.clear();
    oci.authz.clearDenials();
  });

  const list = () => outcome(fn.identity.listUsers({ compartmentId: fn.tenancyId }));
  const update = () => outcome(fn.identity.updateUser({ userId, updateUserDetails: { description: 'changed' } }));
  const create = (name: string) =>
    outcome(fn.identity.createUser({ createUserDetails: { compartmentId: fn.tenancyId, name, description: 'd' } }));

  it(`a deny takes away its verb and every verb above it, never those below (${DENY_POLICIES})`, async () => {
    const allow = 'Allow dynamic-group fn to manage users in tenancy';
    // Act: deny manage leaves inspect and use; deny use blocks create; deny inspect blocks everything.
    grant([allow, 'Deny dynamic-group fn to manage users in tenancy']);
    const denyManage = [await list(), await update(), await create('by-fn-1')];
    grant([allow, 'Deny dynamic-group fn to use users in tenancy']);
    const denyUse = [await list(), await update(), await create('by-fn-2')];
    grant([allow, 'Deny dynamic-group fn to inspect users in tenancy']);
    const denyInspect = [await list(), await update(), await create('by-fn-3')];
    // Assess
    expect(denyManage).toEqual(['allowed', 'allowed', 'denied']);
    expect(denyUse).toEqual(['allowed', 'denied', 'denied']);
    expect(denyInspect).toEqual(['denied', 'denied', 'denied']);
  });

  it(`deny manage ons-topics leaves PublishMessage (use) allowed (${DENY_POLICIES})`, async () => {
    // Prepare
    const topic = oci.state.addTopic('kept');
    grant(['Allow dynamic-group fn to manage ons-topics in tenancy', 'Deny dynamic-group fn to manage ons-topics in tenancy']);
    // Act
    const published = await outcome(fn.ons.publishMessage({ topicId: topic.id, messageDetails: { title: 't', body: 'b' } }));
    const created = await outcome(fn.topics.createTopic({ createTopicDetails: { name: 'by-fn', compartmentId: fn.tenancyId } }));
    // Assess
    expect([published, created]).toEqual(['allowed', 'denied']);
    expect(oci.state.messages(topic.id)).toHaveLength(1);
  });

  it(`any-group reaches a resource principal (${POLICY_SYNTAX})`, async () => {
    // Prepare: a dynamic group the function is in, so it is a principal of the tenancy's groups.
    grant(["Allow any-group to inspect users in tenancy where request.principal.type = 'fnfunc'"]);
    // Act / Assess
    expect(await list()).toBe('allowed');
  });

  it(`offers request.region (the region's three-letter key) and request.dynamicgroup.name (${GENERAL_VARIABLES})`, async () => {
    // Act: the identity client is in the home region, us-ashburn-1, key IAD.
    grant(["Allow dynamic-group fn to inspect users in tenancy where request.region = 'IAD'"]);
    const home = await list();
    grant(["Allow dynamic-group fn to inspect users in tenancy where request.region = 'FRA'"]);
    const elsewhere = await list();
    grant(["Allow dynamic-group fn to inspect users in tenancy where request.dynamicgroup.name = 'fn'"]);
    const named = await list();
    grant(["Allow dynamic-group fn to inspect users in tenancy where request.dynamicgroup.name = 'other'"]);
    const otherName = await list();
    // Assess
    expect([home, elsewhere, named, otherName]).toEqual(['allowed', 'denied', 'allowed', 'denied']);
  });

  it(`UpdateUserState needs USER_UPDATE and USER_UNBLOCK (${IAM_DETAILS})`, async () => {
    const unblock = () => outcome(fn.identity.updateUserState({ userId, updateStateDetails: { blocked: false } }));
    // Act
    grant(['Allow dynamic-group fn to {USER_UNBLOCK} in tenancy']);
    const unblockOnly = await unblock();
    const [denial] = oci.authz.denials();
    grant(['Allow dynamic-group fn to {USER_UNBLOCK, USER_UPDATE} in tenancy']);
    const both = await unblock();
    // Assess
    expect(unblockOnly).toBe('denied');
    expect(denial?.missing).toEqual([['USER_UPDATE']]);
    expect(both).toBe('allowed');
  });

  it(`grants on users only from a policy attached to the tenancy, never one attached below it (${POLICY_ATTACHMENT}; ${HOW_POLICIES_WORK})`, async () => {
    // Prepare: the function's dynamic group, and a policy in a child compartment naming the tenancy.
    grant([]);
    const parent = oci.state.addCompartment('parent-for-users');
    attachPolicy(oci, 'in-parent', parent.id, ['Allow dynamic-group fn to inspect users in tenancy']);
    // Act
    const fromChild = await list();
    attachPolicy(oci, 'in-root', oci.state.tenancy.id, ['Allow dynamic-group fn to inspect users in tenancy']);
    const fromRoot = await list();
    // Assess
    expect([fromChild, fromRoot]).toEqual(['denied', 'allowed']);
  });
});

describe('people: users with their own API keys, decided by their groups', () => {
  let oci: LocalOci;
  beforeAll(async () => {
    oci = await startLocalOci();
  });
  afterAll(() => oci.stop());

  it(`lets a user's group statements through and no other group's (${HOW_POLICIES_WORK})`, async () => {
    // Prepare
    const auditor = oci.addUser({ name: 'ann.auditor', groups: ['Auditors'] });
    const other = oci.addUser({ name: 'bob.other', groups: ['Others'] });
    attachPolicy(oci, 'auditors', oci.state.tenancy.id, ['Allow group Auditors to inspect users in tenancy']);
    const ann = personClients(oci, auditor.configFile);
    const bob = personClients(oci, other.configFile);
    // Act
    const listed = await ann.identity.listUsers({ compartmentId: oci.state.tenancy.id });
    const refused = await failure(bob.identity.listUsers({ compartmentId: oci.state.tenancy.id }));
    const created = await failure(
      ann.identity.createGroup({ createGroupDetails: { compartmentId: oci.state.tenancy.id, name: 'by-ann', description: 'd' } }),
    );
    // Assess
    expect(listed.items.map((u) => u.name)).toContain('ann.auditor');
    expect(refused).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(created).toMatchObject({ statusCode: 404 });
    const denial = oci.authz.denials().find((d) => d.operation === 'CreateGroup');
    expect(denial?.suggestion).toBe("Allow group Auditors to manage groups in tenancy where request.permission = 'GROUP_CREATE'");
  });

  it(`offers request.user.name and request.groups.id for a user (${GENERAL_VARIABLES})`, async () => {
    // Prepare
    const carol = oci.addUser({ name: 'carol', groups: ['Readers'] });
    const dave = oci.addUser({ name: 'dave', groups: ['Readers'] });
    attachPolicy(oci, 'readers', oci.state.tenancy.id, [
      "Allow group Readers to inspect groups in tenancy where request.user.name = 'carol'",
      `Allow any-group to inspect compartments in tenancy where request.groups.id = '${carol.groups.Readers ?? ''}'`,
    ]);
    const c = personClients(oci, carol.configFile);
    const d = personClients(oci, dave.configFile);
    // Act
    const carolGroups = await c.identity.listGroups({ compartmentId: oci.state.tenancy.id });
    const daveGroups = await failure(d.identity.listGroups({ compartmentId: oci.state.tenancy.id }));
    const daveCompartments = await d.identity.listCompartments({ compartmentId: oci.state.tenancy.id });
    // Assess
    expect(carolGroups.items.length).toBeGreaterThan(0);
    expect(daveGroups).toMatchObject({ statusCode: 404 });
    expect(daveCompartments.items.length).toBeGreaterThan(0);
  });

  it('refuses the key of a user who was deleted', async () => {
    // Prepare
    const erin = oci.addUser({ name: 'erin', groups: ['Leavers'] });
    attachPolicy(oci, 'leavers', oci.state.tenancy.id, ['Allow group Leavers to inspect users in tenancy']);
    const e = personClients(oci, erin.configFile);
    await e.identity.listUsers({ compartmentId: oci.state.tenancy.id });
    // Act
    for (const m of [...oci.state.memberships.values()]) if (m.userId === erin.userId) oci.state.memberships.delete(m.id);
    oci.state.users.delete(erin.userId);
    const refused = await failure(e.identity.listUsers({ compartmentId: oci.state.tenancy.id }));
    // Assess
    expect(refused).toMatchObject({ statusCode: 401, serviceCode: 'NotAuthenticated' });
  });
});

describe('identity domains: SCIM calls by a person (Managing Users, /iaas/Content/Identity/users/about-managing-users.htm; Details for IAM with Identity Domains)', () => {
  let oci: LocalOci;
  beforeAll(async () => {
    oci = await startLocalOci({ identityDomain: 'Employees' });
  });
  afterAll(() => oci.stop());

  /** A SCIM client signing as `configFile`. */
  const scimAs = (configFile: string) => {
    const scim = new IdentityDomainsClient(
      { authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(configFile) },
      clientConfiguration,
    );
    scim.endpoint = oci.domainUrl ?? '';
    return scim;
  };
  const create = (scim: IdentityDomainsClient, userName: string) =>
    scim
      .createUser({
        user: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          emails: [{ value: `${userName}@example.com`, type: 'work' as models.UserEmails.Type, primary: true }],
        },
      })
      .then(
        () => 'allowed',
        (error: { statusCode?: number }) => (error.statusCode === 403 ? 'denied' : `failed ${String(error.statusCode)}`),
      );
  const policy = (statements: string[]) => {
    for (const [id, p] of oci.state.policies) if (p.name === 'domain-admins') oci.state.policies.delete(id);
    attachPolicy(oci, 'domain-admins', oci.state.tenancy.id, statements);
  };

  it("lets a member of a group granted manage domains manage the domain's users, and no less a grant", async () => {
    // Prepare
    const admin = oci.addUser({ name: 'dom.admin', groups: ['DomainAdmins'] });
    const scim = scimAs(admin.configFile);
    // Act
    policy(["Allow group DomainAdmins to manage domains in tenancy where target.resource.domain.name = 'Employees'"]);
    const managed = await create(scim, 'by.domain.admin');
    policy(["Allow group DomainAdmins to manage domains in tenancy where target.resource.domain.name = 'Partners'"]);
    const otherDomain = await create(scim, 'other.domain');
    policy(['Allow group DomainAdmins to use domains in tenancy']);
    const useOnly = await create(scim, 'use.only');
    // Assess
    expect([managed, otherDomain, useOnly]).toEqual(['allowed', 'denied', 'denied']);
    expect(oci.state.domain?.users.findOne('userName', 'by.domain.admin')).toBeDefined();
  });

  it('also lets a users grant scoped by target.resource.domain.name through, for that domain only', async () => {
    // Prepare
    const hr = oci.addUser({ name: 'hr.admin', groups: ['HrAdmins'] });
    const scim = scimAs(hr.configFile);
    // Act
    policy(["Allow group HrAdmins to manage users in tenancy where target.resource.domain.name = 'Employees'"]);
    const scoped = await create(scim, 'by.hr');
    policy(["Allow group HrAdmins to manage users in tenancy where target.resource.domain.name = 'Default'"]);
    const otherDomain = await create(scim, 'not.by.hr');
    // Assess
    expect([scoped, otherDomain]).toEqual(['allowed', 'denied']);
  });
});
