import { Authorizer } from '@oci-iam-onboarding/local-oci/authz/authorizer';
import { explainDenial } from '@oci-iam-onboarding/local-oci/authz/explain';
import { permissionsFor } from '@oci-iam-onboarding/local-oci/authz/operations';
import { seedFunctionGrant } from '@oci-iam-onboarding/local-oci/authz/seed';
import type { ApiRequest, Route } from '@oci-iam-onboarding/local-oci/http';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import * as common from 'oci-common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { objectStorageCatalogSource } from '../../src/oci/catalog-source';
import { OciCallError } from '../../src/support/errors';
import { createLogger } from '../../src/support/logger';
import { failure, sdkClients } from './sdk';

/** Real SDK clients signing as the local function's resource principal. */
function functionClients(oci: LocalOci) {
  const previous = { ...process.env };
  Object.assign(process.env, oci.credentials.resourcePrincipalEnv);
  try {
    return sdkClients(oci, oci.homeRegion, common.ResourcePrincipalAuthenticationDetailsProvider.builder());
  } finally {
    process.env = previous;
  }
}

describe('local OCI: authorization of resource principals by dynamic groups and policies', () => {
  let oci: LocalOci;
  let admin: ReturnType<typeof sdkClients>;
  let fn: ReturnType<typeof functionClients>;
  let functions: string;
  const grant = (statements: string[], dynamicGroupName = 'fn') =>
    seedFunctionGrant(oci.state, functions, { dynamicGroupName, policyName: 'fn-policy', statements });

  beforeAll(async () => {
    oci = await startLocalOci();
    admin = sdkClients(oci);
    fn = functionClients(oci);
    functions = [...oci.state.compartments.values()].find((c) => c.name === 'functions')?.id ?? '';
  });
  afterAll(() => oci.stop());
  beforeEach(() => {
    oci.state.policies.clear();
    oci.state.dynamicGroups.clear();
    oci.authz.clearDenials();
  });

  it('answers 404 NotAuthorizedOrNotFound to a function no policy names, changes nothing, and keeps the denial', async () => {
    // Act
    const refused = await failure(
      fn.identity.createGroup({ createGroupDetails: { compartmentId: fn.tenancyId, name: 'by-fn', description: 'd' } }),
    );
    // Assess
    expect(refused).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(oci.state.findGroupByName('by-fn')).toBeUndefined();
    expect(oci.authz.denials()).toEqual([
      expect.objectContaining({ operation: 'CreateGroup', reason: 'no-statement', missing: [['GROUP_CREATE']] }),
    ]);
    expect(oci.requests.entries().at(-1)).toMatchObject({ operation: 'CreateGroup', status: 404, outcome: 'denied' });
  });

  it('grants through a dynamic group whose rule matches the function, not through one for another compartment', async () => {
    // Prepare
    const other = oci.state.addCompartment('elsewhere');
    seedFunctionGrant(oci.state, other.id, {
      dynamicGroupName: 'others',
      policyName: 'others-policy',
      statements: ['Allow dynamic-group others to inspect groups in tenancy'],
    });
    // Act
    const beforeGrant = await failure(fn.identity.listGroups({ compartmentId: fn.tenancyId }));
    grant(['Allow dynamic-group fn to inspect groups in tenancy']);
    const afterGrant = await fn.identity.listGroups({ compartmentId: fn.tenancyId });
    // Assess
    expect(beforeGrant).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(afterGrant.items).toBeInstanceOf(Array);
  });

  it('honours conditions: a group-name guard (without regard to case), and a variable the call does not offer declines it', async () => {
    // Prepare
    grant(["Allow dynamic-group fn to manage groups in tenancy where target.group.name != 'Administrators'"]);
    // Act
    const team = await fn.identity.createGroup({ createGroupDetails: { compartmentId: fn.tenancyId, name: 'team-a', description: 'd' } });
    const admins = await failure(
      fn.identity.createGroup({ createGroupDetails: { compartmentId: fn.tenancyId, name: 'ADMINISTRATORS', description: 'd' } }),
    );
    const list = await failure(fn.identity.listGroups({ compartmentId: fn.tenancyId }));
    // Assess
    expect(team.group.name).toBe('team-a');
    expect(admins).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(list).toMatchObject({ statusCode: 404 });
    const listDenial = oci.authz.denials().find((d) => d.operation === 'ListGroups');
    expect(listDenial?.nearMisses[0]?.reason).toContain('offers no target.group.name');
  });

  it('applies a statement to its compartment and every compartment below it, by OCID or by path', async () => {
    // Prepare
    const parent = oci.state.addCompartment('parent');
    const child = oci.state.addCompartment('child', parent.id);
    const sibling = oci.state.addCompartment('sibling');
    const inChild = oci.state.addTopic('in-child', child.id);
    const inSibling = oci.state.addTopic('in-sibling', sibling.id);
    const message = { title: 't', body: 'b' };
    // Act / Assess: by OCID of the parent
    grant([`Allow dynamic-group fn to use ons-topics in compartment id ${parent.id}`]);
    await fn.ons.publishMessage({ topicId: inChild.id, messageDetails: message });
    expect(await failure(fn.ons.publishMessage({ topicId: inSibling.id, messageDetails: message }))).toMatchObject({
      statusCode: 404,
      serviceCode: 'NotAuthorizedOrNotFound',
    });
    // Act / Assess: by path, from the root policy
    grant(['Allow dynamic-group fn to use ons-topics in compartment parent:child']);
    await fn.ons.publishMessage({ topicId: inChild.id, messageDetails: message });
    expect(oci.state.messages(inChild.id)).toHaveLength(2);
    expect(oci.state.messages(inSibling.id)).toHaveLength(0);
  });

  it('lets a Deny statement take away what an Allow grants', async () => {
    // Prepare
    const topic = oci.state.addTopic('denied-topic');
    grant(['Allow dynamic-group fn to use ons-family in tenancy', 'Deny dynamic-group fn to use ons-topics in tenancy']);
    // Act
    const refused = await failure(fn.ons.publishMessage({ topicId: topic.id, messageDetails: { title: 't', body: 'b' } }));
    // Assess
    expect(refused).toMatchObject({ statusCode: 404 });
    expect(oci.state.messages(topic.id)).toEqual([]);
  });

  it('answers Object Storage denials as OCI does and tells creating an object from overwriting one', async () => {
    // Prepare
    oci.state.putObject('reports', 'existing.json', '{}');
    oci.state.buckets.set('private', new Map());
    grant(["Allow dynamic-group fn to use objects in tenancy where target.bucket.name = 'reports'"]);
    const namespaceName = (await fn.objects.getNamespace({})).value;
    const put = (bucketName: string, objectName: string) =>
      fn.objects.putObject({ namespaceName, bucketName, objectName, putObjectBody: '{"a":1}', contentLength: 7 });
    // Act
    await put('reports', 'existing.json');
    const create = await failure(put('reports', 'new.json'));
    const elsewhere = await failure(fn.objects.getObject({ namespaceName, bucketName: 'private', objectName: 'x' }));
    // Assess
    expect(oci.state.buckets.get('reports')?.get('existing.json')?.body.toString()).toBe('{"a":1}');
    expect(create).toMatchObject({ statusCode: 404, serviceCode: 'BucketNotFound' });
    expect(create.message).toContain('not authorized');
    expect(oci.state.buckets.get('reports')?.has('new.json')).toBe(false);
    expect(elsewhere).toMatchObject({ statusCode: 404, serviceCode: 'BucketNotFound' });
  });

  it('needs use tag-namespaces, per namespace, for a create that sets defined tags', async () => {
    // Prepare: a namespace with one tag; the function may create groups, and use one namespace only.
    const ns = await admin.identity.createTagNamespace({
      createTagNamespaceDetails: { compartmentId: admin.tenancyId, name: 'Finance', description: 'd' },
    });
    await admin.identity.createTag({ tagNamespaceId: ns.tagNamespace.id, createTagDetails: { name: 'CostCenter', description: 'd' } });
    grant(["Allow dynamic-group fn to manage groups in tenancy where request.permission = 'GROUP_CREATE'"]);
    const create = (name: string) =>
      fn.identity.createGroup({
        createGroupDetails: { compartmentId: fn.tenancyId, name, description: 'd', definedTags: { Finance: { CostCenter: '42' } } },
      });
    // Act
    const untagged = await fn.identity.createGroup({
      createGroupDetails: { compartmentId: fn.tenancyId, name: 'plain', description: 'd' },
    });
    const refused = await failure(create('tagged-refused'));
    grant([
      "Allow dynamic-group fn to manage groups in tenancy where request.permission = 'GROUP_CREATE'",
      "Allow dynamic-group fn to use tag-namespaces in tenancy where target.tag-namespace.name = 'Finance'",
    ]);
    const tagged = await create('tagged');
    // Assess
    expect(untagged.group.name).toBe('plain');
    expect(refused).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(oci.state.findGroupByName('tagged-refused')).toBeUndefined();
    expect(oci.authz.denials()).toEqual([
      expect.objectContaining({
        operation: 'CreateGroup',
        missing: [['TAG_NAMESPACE_USE']],
        variables: expect.objectContaining({ 'target.tag-namespace.name': 'Finance' }),
      }),
    ]);
    expect(tagged.group.name).toBe('tagged');
  });

  it('offers target.object.name (with patterns) on the operations that name one object, and not on ListObjects', async () => {
    // Prepare
    oci.state.putObject('hr', 'incoming/a.csv', 'x');
    oci.state.putObject('hr', 'other/b.csv', 'y');
    grant(["Allow dynamic-group fn to read objects in tenancy where all {target.bucket.name = 'hr', target.object.name = /incoming*/}"]);
    const namespaceName = (await fn.objects.getNamespace({})).value;
    // Act
    const inside = await fn.objects.headObject({ namespaceName, bucketName: 'hr', objectName: 'incoming/a.csv' });
    const outside = await failure(fn.objects.getObject({ namespaceName, bucketName: 'hr', objectName: 'other/b.csv' }));
    const listing = await failure(fn.objects.listObjects({ namespaceName, bucketName: 'hr' }));
    // Assess
    expect(inside.contentLength).toBe(1);
    expect(outside).toMatchObject({ statusCode: 404, serviceCode: 'BucketNotFound' });
    expect(listing).toMatchObject({ statusCode: 404 });
  });
  it('suggests a statement for each denial, and that statement lets the same call through', async () => {
    // Prepare
    grant(['Allow dynamic-group fn to inspect tenancies in tenancy']);
    const secret = oci.state.addSecret({ name: 'pw', vaultId: 'ocid1.vault.oc1..v', content: 'x' });
    // Act
    const refused = await failure(fn.secrets.getSecretBundle({ secretId: secret.id }));
    const [denial] = oci.authz.denials();
    grant(['Allow dynamic-group fn to inspect tenancies in tenancy', denial?.suggestion ?? '']);
    const bundle = await fn.secrets.getSecretBundle({ secretId: secret.id });
    // Assess
    expect(refused).toMatchObject({ statusCode: 404, serviceCode: 'NotAuthorizedOrNotFound' });
    expect(denial?.suggestion).toBe(
      "Allow dynamic-group fn to read secret-bundles in tenancy where request.permission = 'SECRET_BUNDLE_READ'",
    );
    expect(denial?.variables['target.secret.id']).toBe(secret.id);
    expect(bundle.secretBundle.secretId).toBe(secret.id);
  });

  it('keeps full access for the administrator and needs no policy for GetNamespace', async () => {
    // Act
    const group = await admin.identity.createGroup({
      createGroupDetails: { compartmentId: admin.tenancyId, name: 'by-admin', description: 'd' },
    });
    const namespace = await fn.objects.getNamespace({});
    // Assess
    expect(group.group.name).toBe('by-admin');
    expect(namespace.value).toBe(oci.state.namespace);
    expect(oci.authz.denials()).toEqual([]);
  });
});

describe('the authorizer itself', () => {
  let oci: LocalOci;
  beforeAll(async () => {
    oci = await startLocalOci();
  });
  afterAll(() => oci.stop());
  const request = { params: [], query: new URLSearchParams(), rawBody: Buffer.alloc(0) } as unknown as ApiRequest;
  const route = (service: Route['service'], operation: string) => ({ service, operation }) as Route;

  it('denies an operation it has no permissions for, and says so loudly', () => {
    // Prepare
    const warnings: string[] = [];
    const authorizer = new Authorizer(oci.state, 'ocid1.user.oc1..admin', (line) => warnings.push(line));
    // Act
    const result = authorizer.authorize(route('identity', 'FrobnicateUser'), request, {
      kind: 'resource',
      tenancyId: oci.state.tenancy.id,
      id: 'ocid1.fnfunc.oc1..f',
      resourceType: 'fnfunc',
      compartmentId: oci.state.tenancy.id,
    });
    // Assess
    expect(result.allowed).toBe(false);
    expect(authorizer.denials()[0]).toMatchObject({ operation: 'FrobnicateUser', reason: 'unmapped' });
    expect(warnings[0]).toContain('no permission mapping');
  });

  it('matches an instance principal by instance.id and instance.compartment.id', () => {
    // Prepare
    const authorizer = new Authorizer(oci.state, 'ocid1.user.oc1..admin', () => undefined);
    const compartment = oci.state.addCompartment('vms');
    seedFunctionGrant(oci.state, compartment.id, {
      dynamicGroupName: 'vms',
      policyName: 'vms-policy',
      statements: ['Allow dynamic-group vms to inspect users in tenancy'],
    });
    // The seeded rule is for functions; rewrite it for instances of the compartment.
    for (const group of oci.state.dynamicGroups.values()) {
      if (group.name === 'vms') group.matchingRule = `ANY {instance.compartment.id = '${compartment.id}'}`;
    }
    const instance = (compartmentId: string) => ({
      kind: 'resource' as const,
      tenancyId: oci.state.tenancy.id,
      id: 'ocid1.instance.oc1..vm',
      resourceType: 'instance',
      compartmentId,
    });
    // Act
    const inside = authorizer.authorize(route('identity', 'ListUsers'), request, instance(compartment.id));
    const outside = authorizer.authorize(route('identity', 'ListUsers'), request, instance(oci.state.tenancy.id));
    // Assess
    expect([inside.allowed, outside.allowed]).toEqual([true, false]);
  });
});

describe('explaining a denial', () => {
  it('names what was needed, the statement that came close and why, and one that would allow the call', async () => {
    // Prepare
    const oci = await startLocalOci();
    try {
      const functions = [...oci.state.compartments.values()].find((c) => c.name === 'functions')?.id ?? '';
      seedFunctionGrant(oci.state, functions, {
        dynamicGroupName: 'fn',
        policyName: 'fn-policy',
        statements: ["Allow dynamic-group fn to manage groups in tenancy where target.group.name = 'team-*'"],
      });
      const explained: string[] = [];
      oci.authz.onDenial((denial) => explained.push(explainDenial(denial)));
      const fn = functionClients(oci);
      // Act
      await failure(fn.identity.createGroup({ createGroupDetails: { compartmentId: fn.tenancyId, name: 'ops', description: 'd' } }));
      // Assess
      expect(explained).toHaveLength(1);
      expect(explained[0]).toContain('denied identity:CreateGroup by fnfunc');
      expect(explained[0]).toContain('needs GROUP_CREATE');
      expect(explained[0]).toContain("target.group.name = 'ops'");
      expect(explained[0]).toContain(
        `not enough: fn-policy: "Allow dynamic-group fn to manage groups in tenancy where target.group.name = 'team-*'": its condition is false`,
      );
      expect(explained[0]).toContain(
        "would allow: Allow dynamic-group fn to manage groups in tenancy where request.permission = 'GROUP_CREATE'",
      );
    } finally {
      await oci.stop();
    }
  });
});

describe('the permission table', () => {
  it('maps every operation the local OCI serves, so none is denied for want of a mapping', async () => {
    // Prepare
    const oci = await startLocalOci({ identityDomain: 'Employees' });
    try {
      // Act
      const unmapped = oci.operations.filter(({ service, operation }) => permissionsFor(service, operation) === undefined);
      // Assess
      expect(oci.operations.length).toBeGreaterThan(40);
      expect(unmapped).toEqual([]);
    } finally {
      await oci.stop();
    }
  });
});

describe('a role catalog in a bucket the function may not read', () => {
  it('is reported as the refused read it is, with OCI code and request id, not as an invalid catalog', async () => {
    // Prepare: a catalog in a bucket, and a function granted nothing on it.
    const oci = await startLocalOci();
    try {
      oci.state.putObject('config', 'iam/role-catalog.json', '{"roles":{}}', 'application/json');
      const source = objectStorageCatalogSource(functionClients(oci).objects, { bucket: 'config', object: 'iam/role-catalog.json' }, 1000);
      const policy = { deadline: Date.now() + 20_000, maxAttempts: 1, log: createLogger({ level: 'error', write: () => undefined }) };
      // Act
      const error = await source(policy)
        .load()
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      // Assess
      expect(error).toBeInstanceOf(OciCallError);
      expect(error).toMatchObject({ code: 'OCI_REQUEST_FAILED', operation: 'GetObject', status: 404, ociCode: 'BucketNotFound' });
      expect((error as OciCallError).opcRequestId).toBeTruthy();
      expect((error as Error).message).toMatch(/not authorized to read it/);
    } finally {
      await oci.stop();
    }
  });
});
